package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.audit.AuditActivities;
import dev.rollgate.workflows.audit.AuditEntry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

final class RecordingAudit implements AuditActivities {
  final List<AuditEntry> entries = new CopyOnWriteArrayList<>();

  @Override
  public void record(AuditEntry entry) {
    entries.add(entry);
  }

  List<String> actions() {
    return entries.stream().map(e -> e.actor() + ":" + e.action()).toList();
  }
}
