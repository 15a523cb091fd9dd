package dev.rollgate.workflows.backup;

import java.util.List;

/**
 * A restore drill's result.
 *
 * @param passed restored, checksum verified, and every table's row count equal to the backup's
 * @param mismatches one line per table whose count differs, e.g. {@code public.orders: 1000 in the
 *     backup, 998 restored}
 */
public record DrillRecord(
    String drillId,
    String backupId,
    String database,
    boolean passed,
    long restoreMillis,
    List<String> mismatches,
    long atMillis) {}
