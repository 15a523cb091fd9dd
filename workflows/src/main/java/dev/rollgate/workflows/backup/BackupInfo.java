package dev.rollgate.workflows.backup;

import java.util.Map;

/**
 * A backup's metadata row.
 *
 * @param status {@code RUNNING}, {@code COMPLETED}, {@code FAILED} or {@code DELETED}
 * @param sha256 hex SHA-256 of the whole object, computed while streaming
 * @param serverVersion the database server's version, e.g. {@code 18.6}
 * @param format e.g. {@code custom+zstd}
 * @param rowCounts rows per table ({@code schema.table}), counted in the dump's own snapshot
 * @param verifiedAtMillis when a restore or drill last verified it, or null
 */
public record BackupInfo(
    String backupId,
    String database,
    String status,
    String bucket,
    String objectKey,
    long sizeBytes,
    String sha256,
    String serverVersion,
    String pgDumpVersion,
    String format,
    long startedAtMillis,
    long finishedAtMillis,
    Map<String, Long> rowCounts,
    Long verifiedAtMillis,
    String scheduleId) {}
