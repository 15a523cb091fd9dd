package dev.rollgate.workflows.migration;

/**
 * One statement Rollgate runs on a migration's target database, exactly as {@code rollgate migrate
 * plan} prints it. Identifiers in {@link #sql} are validated and quoted by the planner; the
 * expressions an operator wrote in the plan (a conversion, a backfill value, a check) are embedded
 * as written.
 *
 * @param description what it does, in words ("add column amount_v2 to public.orders")
 * @param sql the statement
 * @param execution how the executor runs it (transaction, lock discipline)
 * @param schema the schema of the table it locks, or null when it locks none
 * @param table the table it locks (lock waiters and long transactions are checked on it), or null
 * @param index the index it builds or drops with {@link Execution#CONCURRENT}, else null (its
 *     progress is read from {@code pg_stat_progress_create_index}; an INVALID index of that name
 *     left by a failed attempt is dropped before the next one)
 */
public record SqlStep(
    String description,
    String sql,
    Execution execution,
    String schema,
    String table,
    String index) {

  /** How a statement is run. */
  public enum Execution {
    /**
     * DDL that takes a strong lock briefly: its own transaction with {@code SET LOCAL lock_timeout}
     * (default 500 ms) and {@code statement_timeout}, retried with jitter inside a time budget, so
     * it never queues in front of application traffic.
     */
    DDL,
    /**
     * Must run outside a transaction block ({@code CREATE/DROP INDEX CONCURRENTLY}), with the same
     * short {@code lock_timeout}; may run for hours (no statement timeout), heartbeating progress.
     */
    CONCURRENT,
    /**
     * A long scan under a weak lock ({@code ALTER TABLE ... VALIDATE CONSTRAINT}: SHARE UPDATE
     * EXCLUSIVE): short {@code lock_timeout}, no statement timeout, heartbeating while it runs.
     */
    VALIDATE
  }
}
