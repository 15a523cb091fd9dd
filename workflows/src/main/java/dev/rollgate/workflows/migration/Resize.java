package dev.rollgate.workflows.migration;

/**
 * The {@code Resize} update: a new target duration for each backfill batch, applied from the next
 * slice (the batch size adapts to it). Audited, accepted or refused.
 *
 * @param by who asks
 * @param batchTargetMillis 50..1000 ms (every backfill transaction stays at or under 1 s)
 * @param reason why (optional)
 */
public record Resize(String by, long batchTargetMillis, String reason) {}
