package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.release.Phase;

/** How a migration ended: COMPLETED, ROLLED_BACK, ABORTED, CANCELLED or FAILED, in words. */
public record MigrationResult(Phase phase, String summary) {}
