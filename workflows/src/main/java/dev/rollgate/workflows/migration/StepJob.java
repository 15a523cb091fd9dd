package dev.rollgate.workflows.migration;

/**
 * One {@link SqlStep} to run on a target database.
 *
 * @param database the registered target database
 * @param step what to run
 * @param key the idempotency key ({@code Release.stepKey}): a DDL or VALIDATE step records it in
 *     {@code rollgate.migration_steps} in the same transaction as the statement, so a retry after a
 *     crash does not run it twice; a CONCURRENT step is idempotent by its index (a valid index of
 *     that name is the step done, an invalid one is dropped and built again)
 * @param lockTimeoutMillis {@code lock_timeout} of each attempt (default 500 ms)
 * @param statementTimeoutMillis {@code statement_timeout} of a DDL attempt
 * @param retryBudgetMillis how long to keep retrying a lock timeout (jittered 1 s → 1 min)
 */
public record StepJob(
    String database,
    SqlStep step,
    String key,
    long lockTimeoutMillis,
    long statementTimeoutMillis,
    long retryBudgetMillis) {}
