package dev.rollgate.workflows.audit;

/**
 * One line of the append-only audit log.
 *
 * @param idempotencyKey unique per entry; derived from the workflow id and a deterministic UUID so
 *     a retried activity writes the entry once
 * @param workflowId the workflow the action concerns
 * @param actor who did it: an operator identity, or {@code rollgate} for the workflow itself
 * @param action what happened, e.g. {@code approve}, {@code pause}, {@code step-applied}
 * @param details free text for people reading the log
 * @param atMillis workflow time of the action
 */
public record AuditEntry(
    String idempotencyKey,
    String workflowId,
    String actor,
    String action,
    String details,
    long atMillis) {}
