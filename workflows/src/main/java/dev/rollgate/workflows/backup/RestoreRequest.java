package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.gate.ApprovalPolicy;

/**
 * One restore.
 *
 * @param database the registered database the backup is of
 * @param backupId the backup to restore, or null for the newest completed one
 * @param targetDatabase the database to restore into (a new one unless {@code replace})
 * @param replace restore over an existing database: needs {@code approvals} first
 * @param initiator who asked
 * @param reason why, or null
 * @param approvals who must approve a replace (null: one person other than the initiator)
 */
public record RestoreRequest(
    String database,
    String backupId,
    String targetDatabase,
    boolean replace,
    String initiator,
    String reason,
    ApprovalPolicy approvals) {

  public ApprovalPolicy approvalsOrDefault() {
    return approvals == null ? ApprovalPolicy.fourEyes() : approvals;
  }

  /** Null when valid, else why not (one line). */
  public String problem() {
    String p = BackupIds.databaseProblem(database);
    if (p == null) {
      p = BackupIds.databaseProblem(targetDatabase);
    }
    if (p == null && (initiator == null || initiator.isBlank())) {
      p = "a restore needs an initiator (--by)";
    }
    if (p == null && approvals != null && approvals.required() < 1) {
      p = "a replace needs at least one approval";
    }
    return p;
  }
}
