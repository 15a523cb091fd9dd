package dev.rollgate.workflows.backup;

import java.util.Map;

/**
 * A finished restore: the object's checksum matched before it was used.
 *
 * @param rowCounts rows per table in the restored database
 */
public record RestoreResult(
    String backupId,
    String server,
    String targetDatabase,
    long bytes,
    String sha256,
    long durationMillis,
    Map<String, Long> rowCounts) {}
