package dev.rollgate.workflows.audit;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Writes Rollgate's append-only audit log. */
@ActivityInterface
public interface AuditActivities {
  /**
   * Appends one entry. Idempotent: {@link AuditEntry#idempotencyKey()} is the key; a second call
   * with the same key changes nothing.
   */
  @ActivityMethod(name = "RecordAudit")
  void record(AuditEntry entry);
}
