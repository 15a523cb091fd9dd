package dev.rollgate.workflows.deploy;

/**
 * What a Locust run measured (its {@code _stats.csv} "Aggregated" row).
 *
 * @param passed failure ratio and p95 within the stage's limits
 * @param detail one line with the numbers and the limits
 */
public record LoadTestResult(
    long requests,
    long failures,
    double failureRatio,
    double p95Millis,
    double requestsPerSecond,
    boolean passed,
    String detail) {}
