package dev.rollgate.workflows.backup;

/**
 * One backup to take.
 *
 * @param backupId the backup's id (the workflow id, e.g. {@code backup/orders/2026-11-28T02:00Z}):
 *     one metadata row and one object per id, under every retry
 * @param database the registered database's name
 * @param compression {@code zstd} (default) or {@code gzip}
 * @param encryption server-side encryption: {@code AES256} (default) or {@code aws:kms}
 * @param kmsKeyId the KMS key id with {@code aws:kms}, else null
 * @param scheduleId the Temporal Schedule that started it, or null
 */
public record DumpJob(
    String backupId,
    String database,
    String compression,
    String encryption,
    String kmsKeyId,
    String scheduleId) {}
