package dev.rollgate.workflows.testing.deploy;

import dev.rollgate.workflows.deploy.AnalysisActivities;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.LoadTest;
import dev.rollgate.workflows.deploy.LoadTestResult;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.deploy.StageReport;
import dev.rollgate.workflows.gate.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/** Canary analysis whose verdicts the test chooses; reports are kept once per (run, stage). */
public final class ScriptedAnalysis implements AnalysisActivities {
  public final AtomicReference<Verdict> canary = new AtomicReference<>(Verdict.PASS);
  public final AtomicReference<Verdict> triggers = new AtomicReference<>(Verdict.PASS);
  public final AtomicReference<LoadTestResult> load =
      new AtomicReference<>(
          new LoadTestResult(1000, 0, 0, 120, 50, true, "1000 requests, 0 failed"));
  public final AtomicInteger analyses = new AtomicInteger();
  public final AtomicInteger triggerChecks = new AtomicInteger();
  public final List<String> warmUps = new CopyOnWriteArrayList<>();
  public final List<StageReport> reports = new CopyOnWriteArrayList<>();

  /** Arm it to make the next canary analysis slow: it answers only once released. */
  public final SlowCall slowAnalyze = new SlowCall();

  private final Map<String, StageReport> byKey = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public ScriptedAnalysis(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public void validate(CanaryAnalysis analysis) {}

  @Override
  public StageAnalysis analyze(CanaryAnalysis analysis) {
    slowAnalyze.pass();
    analyses.incrementAndGet();
    return measurement("error_ratio", canary.get());
  }

  @Override
  public StageAnalysis triggers(CanaryAnalysis analysis) {
    triggerChecks.incrementAndGet();
    return measurement("error_ratio", triggers.get());
  }

  private StageAnalysis measurement(String metric, Verdict verdict) {
    MetricResult r =
        switch (verdict) {
          case PASS ->
              new MetricResult(
                  metric,
                  0.001,
                  0.001,
                  60,
                  60,
                  0.5,
                  0.01,
                  Verdict.PASS,
                  true,
                  false,
                  "canary 0.001");
          case FAIL ->
              new MetricResult(
                  metric,
                  0.31,
                  0.001,
                  60,
                  60,
                  0.0001,
                  0.9,
                  Verdict.FAIL,
                  true,
                  false,
                  "canary 0.31 > max 0.02");
          case INCONCLUSIVE ->
              new MetricResult(
                  metric,
                  null,
                  null,
                  0,
                  0,
                  null,
                  null,
                  Verdict.INCONCLUSIVE,
                  true,
                  false,
                  "no data");
        };
    return new StageAnalysis(List.of(r), verdict, clock.getAsLong());
  }

  @Override
  public String warmUp(String url, int perSecond, Duration duration) {
    warmUps.add(url);
    return "warm-up: "
        + perSecond * duration.toSeconds()
        + " requests in "
        + duration
        + ", 0 failed";
  }

  @Override
  public void validateLoadTest(LoadTest loadTest) {}

  @Override
  public LoadTestResult loadTest(LoadTest loadTest, String host) {
    return load.get();
  }

  @Override
  public void save(StageReport report) {
    if (byKey.putIfAbsent(report.runKey() + "|" + report.stage(), report) == null) {
      reports.add(report);
    }
  }

  /** {@code stage=VERDICT}, in the order saved. */
  public List<String> verdicts() {
    return reports.stream().map(r -> r.stage() + "=" + r.verdict()).toList();
  }
}
