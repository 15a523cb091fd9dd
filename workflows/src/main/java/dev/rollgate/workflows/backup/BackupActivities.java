package dev.rollgate.workflows.backup;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** Backups of registered PostgreSQL databases to S3, and their metadata. */
@ActivityInterface
public interface BackupActivities {
  /**
   * Checks before anything is written: the database is registered and answers, the bucket exists
   * and is writable, {@code pg_dump} is at least the server's major version. Non-retryable {@code
   * NOT_FOUND} (unknown database, missing bucket) or {@code INVALID_INPUT} (version mismatch,
   * unwritable bucket) with one clear line.
   */
  @ActivityMethod(name = "BackupPreflight")
  Preflight preflight(String database);

  /**
   * Streams {@code pg_dump} through compression into an S3 multipart upload (bounded memory,
   * SHA-256 of the whole object and CRC32C per part, server-side encryption), counts rows in the
   * dump's own snapshot and writes the metadata row. Heartbeats bytes and MB/s. Idempotent by
   * {@link DumpJob#backupId()}: a completed backup is returned as it is; a retry aborts the id's
   * stale multipart uploads first, so there is never a second object or an orphaned upload.
   */
  @ActivityMethod(name = "DumpToS3")
  BackupInfo dump(DumpJob job);

  /**
   * Compensation: aborts the backup's multipart uploads, deletes its object, marks its row {@code
   * FAILED} (idempotent; nothing to do is fine).
   */
  @ActivityMethod(name = "DiscardBackup")
  String discard(String backupId, String reason);

  /** A database's backups, newest first (all statuses). */
  @ActivityMethod(name = "ListBackups")
  List<BackupInfo> list(String database);

  /**
   * What a retention policy would keep and delete. Non-retryable {@code REFUSED} when it would
   * delete the newest verified backup or leave fewer than the minimum.
   */
  @ActivityMethod(name = "PlanRetention")
  RetentionPlan planRetention(String database, RetentionPolicy policy);

  /** Deletes a plan's backups: object and metadata together (idempotent). */
  @ActivityMethod(name = "ApplyRetention")
  RetentionPlan applyRetention(RetentionPlan plan);
}
