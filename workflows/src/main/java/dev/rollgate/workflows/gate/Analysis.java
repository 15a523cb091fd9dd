package dev.rollgate.workflows.gate;

import java.time.Duration;

/**
 * How a guardrail is measured and judged, with Argo Rollouts' names and meanings.
 *
 * @param interval time between measurements (during holds, and between the {@code count}
 *     measurements of a gate)
 * @param initialDelay wait before a gate's first measurement
 * @param count measurements a gate takes before it passes (at least 1)
 * @param failureLimit failed measurements tolerated; one more fails the gate
 * @param inconclusiveLimit inconclusive measurements (no data) tolerated; one more makes the gate
 *     inconclusive, which pauses for a human
 * @param consecutiveErrorLimit consecutive errors (metrics source unreachable) tolerated, each
 *     retried after {@code interval}; one more is inconclusive: it pauses, never passes and never
 *     aborts
 * @param dryRun measured and reported, never decides anything
 */
public record Analysis(
    Duration interval,
    Duration initialDelay,
    int count,
    int failureLimit,
    int inconclusiveLimit,
    int consecutiveErrorLimit,
    boolean dryRun) {

  public static final int DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

  /**
   * The most measurements a gate before a step takes, and the most errors in a row it retries: a
   * gate measures inside one run (it does not continue as new), so at most 50 x (10 + 1) waits of a
   * few events each stay well within the history budget of 10,000 events per run.
   */
  public static final int MAX_COUNT = 50;

  public static final int MAX_CONSECUTIVE_ERRORS = 10;

  /** One measurement per gate, no failure or inconclusive reading tolerated, 4 errors retried. */
  public static Analysis defaults(Duration interval) {
    return new Analysis(interval, Duration.ZERO, 1, 0, 0, DEFAULT_CONSECUTIVE_ERROR_LIMIT, false);
  }

  /** Null when valid, else one line. */
  public String problem() {
    if (interval == null || interval.isZero() || interval.isNegative()) {
      return "the guardrail interval must be longer than zero";
    }
    if (initialDelay != null && initialDelay.isNegative()) {
      return "the initial delay must not be negative";
    }
    if (count < 1) {
      return "count must be at least 1";
    }
    if (count > MAX_COUNT) {
      return "count must be at most "
          + MAX_COUNT
          + " (a gate's measurements stay in one run's history; watch longer with a hold)";
    }
    if (failureLimit < 0 || inconclusiveLimit < 0 || consecutiveErrorLimit < 0) {
      return "limits must not be negative";
    }
    if (consecutiveErrorLimit > MAX_CONSECUTIVE_ERRORS) {
      return "consecutiveErrorLimit must be at most " + MAX_CONSECUTIVE_ERRORS;
    }
    return null;
  }
}
