package dev.rollgate.workflows.deploy;

import java.time.Duration;

/**
 * A Locust load-test stage run headless against the canary.
 *
 * @param locustfile path of the locustfile on the worker host
 * @param users concurrent users ({@code -u})
 * @param spawnRate users started per second ({@code -r})
 * @param duration run time ({@code -t})
 * @param maxFailureRatio the stage fails above this failure ratio (default 0.01)
 * @param maxP95Millis the stage fails above this p95 (default 500 ms)
 */
public record LoadTest(
    String locustfile,
    int users,
    int spawnRate,
    Duration duration,
    double maxFailureRatio,
    double maxP95Millis) {

  /** Null when well formed, else one line (where it runs is checked by the request). */
  public String problem() {
    if (locustfile == null || locustfile.isBlank()) {
      return "a load test needs a locustfile";
    }
    if (users < 1 || spawnRate < 1) {
      return "a load test needs at least 1 user and a spawn rate of at least 1";
    }
    if (duration == null || duration.isZero() || duration.isNegative()) {
      return "the load test duration must be longer than zero";
    }
    return null;
  }
}
