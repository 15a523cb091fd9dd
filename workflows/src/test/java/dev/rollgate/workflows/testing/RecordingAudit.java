package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.audit.AuditActivities;
import dev.rollgate.workflows.audit.AuditEntry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

public final class RecordingAudit implements AuditActivities {
  public final List<AuditEntry> entries = new CopyOnWriteArrayList<>();

  @Override
  public void record(AuditEntry entry) {
    entries.add(entry);
  }

  public List<String> actions() {
    return entries.stream().map(e -> e.actor() + ":" + e.action()).toList();
  }
}
