package dev.rollgate.workflows.deploy;

import java.time.Duration;

/**
 * Checked at all times, between gates too: any one breached rolls back (under policy {@code auto}).
 *
 * @param maxErrorRatio canary error ratio above this (default 0.02)
 * @param maxP95Seconds canary p95 latency above this (default 0.5 s)
 * @param max5xx this many 5xx responses or more from the canary ... (default 10)
 * @param within5xx ... within this window (default 30 s)
 */
public record RollbackTriggers(
    double maxErrorRatio, double maxP95Seconds, int max5xx, Duration within5xx) {
  public static RollbackTriggers defaults() {
    return new RollbackTriggers(0.02, 0.5, 10, Duration.ofSeconds(30));
  }
}
