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
  /** Null when every trigger is positive, else one line. */
  public String problem() {
    if (maxErrorRatio < 0
        || maxP95Seconds <= 0
        || max5xx < 1
        || within5xx == null
        || within5xx.isZero()
        || within5xx.isNegative()) {
      return "rollback triggers must be positive (error ratio, p95, 5xx count and window)";
    }
    return null;
  }

  public static RollbackTriggers defaults() {
    return new RollbackTriggers(0.02, 0.5, 10, Duration.ofSeconds(30));
  }
}
