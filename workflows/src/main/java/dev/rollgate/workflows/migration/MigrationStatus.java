package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.release.ReleaseStatus;
import java.time.Instant;
import java.util.List;

/**
 * Answer of the {@code migration} query: the kit's status plus what only a migration knows.
 *
 * @param release the kit's status (phase, step, gate, details, outcome)
 * @param stage {@code preflight}, {@code expand}, {@code backfill}, {@code verify}, {@code switch},
 *     {@code contract}, {@code done}
 * @param stepsDone SQL steps run in the current stage
 * @param stepsTotal SQL steps of the current stage
 * @param preflight what preflight found, or null before it ran
 * @param backfill the backfill in progress (or the last one), or null
 * @param filled finished backfills
 * @param backfills how many backfills the plan has
 * @param batchTargetMillis the current batch target
 * @param verified verify's results, or empty before it ran
 * @param expandedAt when expand finished, or null
 * @param contractBackup the verified backup contract relies on, or null
 * @param withoutBackup the reason to contract without a backup, or null
 */
public record MigrationStatus(
    ReleaseStatus release,
    String stage,
    int stepsDone,
    int stepsTotal,
    MigrationPreflight preflight,
    BackfillProgress backfill,
    List<BackfillProgress> filled,
    int backfills,
    long batchTargetMillis,
    List<VerifyResult> verified,
    Instant expandedAt,
    String contractBackup,
    String withoutBackup) {}
