package dev.rollgate.workflows.gate;

/**
 * One guardrail's counts in a hold's background analysis, carried across continue-as-new so that a
 * failure limit keeps counting where it was. Field names are stable.
 *
 * @param guardrail the guardrail's name
 * @param measured good measurements taken
 * @param failed failed measurements
 * @param inconclusive inconclusive measurements
 * @param consecutiveErrors errors in a row (reset by a measurement)
 */
public record CheckCount(
    String guardrail, int measured, int failed, int inconclusive, int consecutiveErrors) {}
