package dev.rollgate.workflows.deploy;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;

/**
 * Canary analysis over the Prometheus HTTP API, traffic for it (warm-up, Locust load tests) and the
 * stage reports.
 */
@ActivityInterface
public interface AnalysisActivities {
  /**
   * At start: Prometheus answers and every metric's PromQL parses. Non-retryable {@code
   * INVALID_INPUT} (bad PromQL) or {@code UNAVAILABLE} (unreachable at start is bad input).
   */
  @ActivityMethod(name = "ValidateCanaryAnalysis")
  void validate(CanaryAnalysis analysis);

  /**
   * One measurement: each metric for canary and baseline over the window, thresholds, and a
   * Mann-Whitney U test with effect size when both groups have {@code minSamples}. Never fails on
   * missing data or an unreachable source: those are inconclusive or error results.
   */
  @ActivityMethod(name = "AnalyzeCanary")
  StageAnalysis analyze(CanaryAnalysis analysis);

  /** The rollback triggers, once, for the canary only. Same rules as {@link #analyze}. */
  @ActivityMethod(name = "CheckRollbackTriggers")
  StageAnalysis triggers(CanaryAnalysis analysis);

  /**
   * Sends {@code perSecond} requests/s to {@code url} for {@code duration} (heartbeats); returns
   * one line, e.g. {@code warm-up: 600 requests in 60s, 0 failed}.
   */
  @ActivityMethod(name = "WarmUp")
  String warmUp(String url, int perSecond, Duration duration);

  /**
   * At start: Locust is installed and the locustfile exists. Non-retryable {@code INVALID_INPUT}
   * otherwise (never mid-run).
   */
  @ActivityMethod(name = "ValidateLoadTest")
  void validateLoadTest(LoadTest loadTest);

  /** Runs Locust headless against {@code host} and judges its CSV (heartbeats). */
  @ActivityMethod(name = "RunLoadTest")
  LoadTestResult loadTest(LoadTest loadTest, String host);

  /** Stores a stage report, once per (runKey, stage). */
  @ActivityMethod(name = "SaveStageReport")
  void save(StageReport report);
}
