package dev.rollgate.workflows.backup;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Restores and drills. */
@ActivityInterface
public interface RestoreActivities {
  /**
   * The backup to restore: {@code backupId}, or the database's newest completed backup when it is
   * null. Non-retryable {@code NOT_FOUND} when there is none.
   */
  @ActivityMethod(name = "ResolveBackup")
  BackupInfo resolve(String database, String backupId);

  /** Whether a database of that name exists on the registered database's server. */
  @ActivityMethod(name = "DatabaseExists")
  boolean exists(String database, String targetDatabase);

  /**
   * Downloads the object into the state directory while hashing it, refuses it when the SHA-256
   * differs from the recorded one (non-retryable {@code CORRUPTED}, nothing restored), then runs
   * {@code pg_restore} into the target (created; dropped and recreated with {@code replace}) and
   * counts its rows. Heartbeats; idempotent (a retry starts the target afresh). Removes its
   * download.
   */
  @ActivityMethod(name = "RestoreBackup")
  RestoreResult restore(String database, RestoreJob job);

  /** Drops a (scratch) database; nothing to do is fine. */
  @ActivityMethod(name = "DropDatabase")
  void drop(String database, String targetDatabase);

  /**
   * Records a drill: a row, the backup's {@code verified_at} when it passed, and the gauge {@code
   * rollgate_backup_last_verified_timestamp_seconds{database}}.
   */
  @ActivityMethod(name = "RecordDrill")
  void recordDrill(DrillRecord drill);
}
