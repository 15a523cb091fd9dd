package dev.rollgate.workflows.migration;

import java.util.List;

/**
 * The rollback of a migration: its planned rollback steps (idempotent, {@code IF EXISTS}) in order,
 * then its backfill cursors deleted.
 *
 * @param migration the cursors' key ({@link BackfillJob#migration()})
 */
public record RollbackJob(
    String database,
    String migration,
    List<SqlStep> steps,
    long lockTimeoutMillis,
    long statementTimeoutMillis,
    long retryBudgetMillis) {
  public RollbackJob {
    steps = List.copyOf(steps);
  }
}
