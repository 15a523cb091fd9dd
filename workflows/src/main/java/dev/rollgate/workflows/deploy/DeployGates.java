package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailGate;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.GuardrailSource;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A deployment's gates on the kit's guardrail gate: the canary analysis inline before a shift and
 * in the background during holds, the rollback triggers during holds, the load test, and the
 * blue-green idle side's checks. Each reads through its own {@link GuardrailSource} and saves a
 * stage report when it breaches.
 */
final class DeployGates {
  private static final Duration DRIFT_CHECK_WITHOUT_ANALYSIS = Duration.ofMinutes(1);

  private final Release release;
  private final DeployRequest request;
  private final AnalysisActivities analyses;
  private final AnalysisActivities longRunning;
  private final StageReports reports;
  private final IntSupplier canaryPercent;
  private final GuardrailGate canaryGate;
  private final GuardrailGate triggerGate;
  private final GuardrailGate loadGate;
  private final GuardrailGate checksGate;
  private final Duration checkEvery;

  DeployGates(
      Release release,
      DeployRequest request,
      DeployStubs stubs,
      StageReports reports,
      IntSupplier canaryPercent,
      GuardrailSource idleSide) {
    this.release = release;
    this.request = request;
    this.analyses = stubs.analyses();
    this.longRunning = stubs.longRunning();
    this.reports = reports;
    this.canaryPercent = canaryPercent;
    BreachPolicy policy = request.rollback().breach();
    CanaryAnalysis analysis = request.analysis();
    if (analysis != null && analysis.settings() != null) {
      Analysis settings = analysis.settings();
      this.checkEvery = settings.interval();
      this.canaryGate =
          new GuardrailGate(
              release, canaryGuardrails(analysis), settings, policy, new AnalysisSource(false));
      Analysis once =
          new Analysis(
              settings.interval(),
              Duration.ZERO,
              1,
              0,
              settings.inconclusiveLimit(),
              settings.consecutiveErrorLimit(),
              settings.dryRun());
      this.triggerGate =
          new GuardrailGate(
              release,
              List.of(placeholder("rollback-triggers", once)),
              once,
              policy,
              new AnalysisSource(true));
    } else {
      this.checkEvery = DRIFT_CHECK_WITHOUT_ANALYSIS;
      this.canaryGate = null;
      this.triggerGate = null;
    }
    // one run each; an error pauses at once (a human decides whether to run it again)
    Analysis single = new Analysis(checkEvery, Duration.ZERO, 1, 0, 0, 0, false);
    this.loadGate =
        new GuardrailGate(
            release, List.of(placeholder("load-test", single)), single, policy, new LoadSource());
    this.checksGate =
        new GuardrailGate(
            release, List.of(placeholder("idle-side", single)), single, policy, idleSide);
  }

  private static Guardrail placeholder(String name, Analysis settings) {
    return new Guardrail(name, name, Comparison.LTE, 0, settings);
  }

  /** One guardrail per metric: critical metrics tolerate no failure (Kayenta). */
  private static List<Guardrail> canaryGuardrails(CanaryAnalysis a) {
    Analysis s = a.settings();
    if (a.metrics() == null || a.metrics().isEmpty()) {
      return List.of(placeholder("canary-analysis", s));
    }
    Analysis critical =
        new Analysis(
            s.interval(),
            s.initialDelay(),
            s.count(),
            0,
            s.inconclusiveLimit(),
            s.consecutiveErrorLimit(),
            s.dryRun());
    return a.metrics().stream()
        .map(
            m ->
                new Guardrail(
                    m.name(),
                    m.query(),
                    Comparison.LTE,
                    m.maxValue() == null ? 0 : m.maxValue(),
                    m.critical() ? critical : s))
        .toList();
  }

  /** How often a hold checks (the analysis interval; a minute without analysis). */
  Duration checkEvery() {
    return checkEvery;
  }

  boolean hasTriggers() {
    return triggerGate != null;
  }

  /** At start: the metrics source answers and every query parses. */
  void validate() {
    if (canaryGate != null) {
      canaryGate.validate();
    }
  }

  /** The analysis before a shift when the canary has traffic already; else waits while paused. */
  void beforeShift(String label) {
    if (canaryGate != null && canaryPercent.getAsInt() > 0) {
      canaryGate.beforeStep(label);
    } else {
      release.awaitRunning();
    }
  }

  /** Blue-green: the idle side is stable, healthy and answers its smoke checks. */
  void idleSideChecks() {
    checksGate.beforeStep("idle side");
    reports.save("smoke", "PROCEED", null);
  }

  void loadTest() {
    release.awaitRunning();
    loadGate.beforeStep("load test");
    reports.save("load test", "PROCEED", null);
  }

  /**
   * Run every check of a hold: {@code drift}, then the rollback triggers; the background analysis
   * on every {@code analysisEvery}-th check (once per analysis interval).
   */
  Runnable duringHold(int analysisEvery, Runnable drift) {
    Runnable triggers = triggerGate == null ? null : triggerGate.duringHold();
    Runnable background = canaryGate == null ? null : canaryGate.duringHold();
    int[] checks = {0};
    return () -> {
      drift.run();
      if (triggers != null) {
        triggers.run();
      }
      checks[0]++;
      // the hold's check number, carried when the hold spans runs (older holds: counted here)
      int check = release.inHold() ? release.holdCheck() : checks[0];
      // at 100 % there is no baseline to compare with: the triggers watch the new version alone
      if (background != null
          && check % analysisEvery == 0
          && canaryPercent.getAsInt() < 100
          && !release.isPaused()) {
        background.run();
      }
    };
  }

  /** The canary analysis (inline and background) or the rollback triggers. */
  private final class AnalysisSource implements GuardrailSource {
    private final boolean triggers;

    AnalysisSource(boolean triggers) {
      this.triggers = triggers;
    }

    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      StageAnalysis a =
          triggers ? analyses.triggers(request.analysis()) : analyses.analyze(request.analysis());
      reports.keep(a);
      return StageReports.readings(triggers ? "trigger " : "", a);
    }

    @Override
    public void validate(List<Guardrail> guardrails) {
      if (!triggers) {
        analyses.validate(request.analysis());
      }
    }

    @Override
    public void breached(Verdict verdict, BreachPolicy policy, String why) {
      reports.breached(canaryPercent.getAsInt() + " %", verdict, policy, why);
    }
  }

  private final class LoadSource implements GuardrailSource {
    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      LoadTest l = request.loadTest();
      release.enter(Phase.CHECKING, "load test against " + request.canaryUrl());
      LoadTestResult r = longRunning.loadTest(l, request.canaryUrl());
      reports.loadTest(r);
      long at = Workflow.currentTimeMillis();
      return List.of(
          new GuardrailReading(
              "load failure ratio",
              r.failureRatio() <= l.maxFailureRatio() ? Verdict.PASS : Verdict.FAIL,
              r.failureRatio(),
              r.detail(),
              at),
          new GuardrailReading(
              "load p95",
              r.p95Millis() <= l.maxP95Millis() ? Verdict.PASS : Verdict.FAIL,
              r.p95Millis(),
              r.detail(),
              at));
    }

    @Override
    public void validate(List<Guardrail> guardrails) {}

    @Override
    public void breached(Verdict verdict, BreachPolicy policy, String why) {
      reports.breached("load test", verdict, policy, why);
    }
  }
}
