package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** What a migration does on its target database (and, for contract, in Rollgate's backups). */
@ActivityInterface
public interface MigrationActivities {
  /**
   * Reads the target server's major version and renders the plan for it ({@code
   * MigrationPlanner.render}); a plan that does not validate for that server is a non-retryable
   * {@code INVALID_INPUT} listing every problem.
   */
  @ActivityMethod(name = "RenderMigrationPlan")
  PlannedMigration render(String database, MigrationPlan plan);

  /**
   * Checks the target before anything changes: it answers, every backfilled table has a primary key
   * ({@code INVALID_INPUT} otherwise), and reports long-running transactions, lock holders on the
   * plan's tables and replica replay lag. Creates Rollgate's own schema there ({@code rollgate},
   * idempotent).
   */
  @ActivityMethod(name = "MigrationPreflight")
  MigrationPreflight preflight(PlannedMigration plan);

  /**
   * Runs one step under the lock discipline of its {@link SqlStep.Execution}; idempotent by {@link
   * StepJob#key()}. Returns what was done, in words ("done", "already done", "index rebuilt").
   * Non-retryable {@code CONFLICT} when the lock could not be taken within the budget.
   */
  @ActivityMethod(name = "MigrationStep")
  String execute(StepJob job);

  /**
   * Runs backfill batches for one slice; the cursor is committed with each batch, heartbeated; on
   * cancellation it stops after the batch in flight commits or rolls back.
   */
  @ActivityMethod(name = "BackfillSlice")
  BackfillProgress backfill(BackfillJob job);

  /** Runs each check and returns its count of mismatching rows. */
  @ActivityMethod(name = "MigrationVerify")
  List<VerifyResult> verify(String database, List<VerifyCheck> checks);

  /**
   * The newest COMPLETED backup of {@code database} whose checksum a restore or drill verified and
   * that started after {@code newerThanMillis}, or null when there is none.
   */
  @ActivityMethod(name = "VerifiedBackup")
  BackupInfo verifiedBackup(String database, long newerThanMillis);

  /**
   * Why no backup of {@code database} qualifies for contract, in one line: each candidate (newest
   * first, at most five) with why it was rejected (its status if not COMPLETED, no checksum, not
   * verified by a restore or drill or its drill failed, started before expand), or "no backup of
   * database X since &lt;expand time&gt;" when there is none at all.
   */
  @ActivityMethod(name = "WhyNoVerifiedBackup")
  String whyNoBackup(String database, long newerThanMillis);

  /** Runs the planned rollback and deletes the backfill cursors; idempotent. */
  @ActivityMethod(name = "MigrationRollback")
  String rollback(RollbackJob job);
}
