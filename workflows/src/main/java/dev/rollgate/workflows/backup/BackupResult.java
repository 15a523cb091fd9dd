package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.Phase;

/**
 * How a backup ended.
 *
 * @param backup the completed backup's metadata, or null when none was taken
 * @param retention what retention deleted, or null (none asked, or refused: see summary)
 */
public record BackupResult(
    Phase phase, String summary, BackupInfo backup, RetentionPlan retention) {}
