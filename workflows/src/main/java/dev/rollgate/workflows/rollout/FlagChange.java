package dev.rollgate.workflows.rollout;

/**
 * A change to a flag made by a workflow.
 *
 * @param flag the flag
 * @param percent the new rollout percentage (ignored when {@code kill})
 * @param kill turn the kill switch on: the flag evaluates off for everyone until revived
 * @param idempotencyKey derived from the workflow id and step; a change with a key already applied
 *     is not applied again
 * @param actor who the change is attributed to
 * @param reason why, for the audit log
 * @param auditAtMillis the time the audit log gives the change: the workflow's, in order with its
 *     own entries (a local activity runs after its workflow task's time, so the worker's clock
 *     would put the change after what the workflow recorded next); 0 for the worker's clock
 */
public record FlagChange(
    String flag,
    double percent,
    boolean kill,
    String idempotencyKey,
    String actor,
    String reason,
    long auditAtMillis) {}
