package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailGate;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.GuardrailSource;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * A deployment on the release kit: this class holds only what is about traffic, sides and analysis.
 * Each stage: approvals, the canary analysis gate (the kit's guardrail gate reading {@link
 * AnalysisActivities#analyze}), the shift (recorded for the saga and audited once), a hold with
 * rollback triggers, background analysis and a drift check. The undo sends all traffic to stable at
 * once and reads the router back; a rollback that did not happen fails the release.
 *
 * <p>Promotion: the last stage leaves the router at 0/100, the new version serving everything on
 * the side named {@code canary}; Rollgate does not swap the sides' names, so the next deployment
 * names that side {@code stable}.
 */
public class DeploymentWorkflowImpl extends ReleaseWorkflowBase implements DeploymentWorkflow {
  private static final Logger log = Workflow.getLogger(DeploymentWorkflowImpl.class);
  private static final int ANALYSES_KEPT = 50;
  private static final Duration DRIFT_CHECK_WITHOUT_ANALYSIS = Duration.ofMinutes(1);
  private static final Duration STABLE_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration HEALTH_TIMEOUT = Duration.ofMinutes(5);

  /** {@code Workflow.getVersion} change id: a rollback also scales the prepared idle side to 0. */
  static final String RETIRE_IDLE_ON_ROLLBACK = "deploy-retire-idle-on-rollback";

  /** {@code Workflow.getVersion} change id: holds check the triggers every half interval. */
  static final String HALF_INTERVAL_TRIGGERS = "deploy-half-interval-triggers";

  private final DeployRequest request;
  private final Router router;
  private final TrafficActivities traffic;
  private final EnvironmentActivities environments;
  private final AnalysisActivities analyses;
  private final AnalysisActivities longRunning;
  private final GuardrailGate canaryGate;
  private final GuardrailGate triggerGate;
  private final GuardrailGate loadGate;
  private final GuardrailGate checksGate;
  private final Duration checkEvery;
  private final String runKey;

  private final List<DeployStatus.StageView> stageViews = new ArrayList<>();
  private final List<StageAnalysis> measured = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private List<MetricResult> lastAnalysis = List.of();
  private LoadTestResult lastLoadTest;
  private int next;
  private int applied;
  private TrafficSplit split = TrafficSplit.ALL_STABLE;
  private boolean committed;
  private int breaches;
  private Promise<TrafficSplit> inFlight;
  private Promise<String> warmUp;
  private String holdStep;

  @WorkflowInit
  public DeploymentWorkflowImpl(DeployRequest request) {
    super(
        new Release(
            KIND,
            request.service(),
            request.initiator(),
            request.carried() == null ? null : request.carried().kit()));
    this.request = request;
    this.router = request.router();
    this.runKey =
        Workflow.getInfo().getWorkflowId() + "/" + Workflow.getInfo().getFirstExecutionRunId();
    // a change that does not happen must fail (loudly, through the saga), not retry for ever
    this.traffic =
        Workflow.newActivityStub(
            TrafficActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(retry(10))
                .build());
    this.environments =
        Workflow.newActivityStub(
            EnvironmentActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(STABLE_TIMEOUT.plusMinutes(5))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry(5))
                .build());
    this.analyses =
        Workflow.newActivityStub(
            AnalysisActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(retry(3))
                .build());
    this.longRunning =
        Workflow.newActivityStub(
            AnalysisActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(6))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry(2))
                .build());
    BreachPolicy policy = request.rollback().breach();
    CanaryAnalysis analysis = request.analysis();
    if (analysis != null && analysis.settings() != null) {
      Analysis settings = analysis.settings();
      this.checkEvery = settings.interval();
      this.canaryGate =
          new GuardrailGate(
              release, canaryGuardrails(analysis), settings, policy, new CanarySource());
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
              new TriggerSource());
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
            release,
            List.of(placeholder("idle-side", single)),
            single,
            policy,
            new IdleSideSource());
    DeployProgress carried = request.carried();
    if (carried != null) {
      next = carried.next();
      applied = carried.next();
      split = carried.split();
      committed = carried.committed();
      stageViews.addAll(carried.stages());
    }
  }

  private static RetryOptions retry(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setMaximumInterval(Duration.ofSeconds(10))
        .setMaximumAttempts(attempts)
        .build();
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

  // ---- the run ----

  @Override
  public DeployResult deploy(DeployRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new DeployResult(end.phase(), split, end.summary());
  }

  private String steps() {
    List<Stage> stages = request.stages();
    if (request.carried() == null) {
      prepare();
    }
    while (next < stages.size()) {
      runStage(next);
      if (next < stages.size() && release.historyIsLarge()) {
        release.continueAsNew();
      }
    }
    if (request.loadTest() != null && request.loadTestAfter() == 100) {
      loadTest();
    }
    if (request.blueGreen()) {
      return finishBlueGreen();
    }
    return request.service()
        + " "
        + request.version()
        + " serves all traffic ("
        + router.describe()
        + " at "
        + split
        + ")";
  }

  private void prepare() {
    release.publish();
    traffic.validate(router);
    if (request.environment() != null) {
      environments.validate(request.environment());
    }
    if (request.loadTest() != null) {
      analyses.validateLoadTest(request.loadTest());
    }
    if (request.startPaused()) {
      release.startPaused(request.initiator(), "started paused");
    } else if (canaryGate != null) {
      canaryGate.validate();
    }
    ResumeFrom from = request.resumeFrom();
    if (from == null) {
      TrafficSplit now = traffic.read(router);
      if (now.canary() != 0) {
        throw FailureType.INVALID_INPUT.permanent(
            router.describe()
                + " sends "
                + now.canary()
                + " % to "
                + router.canary()
                + " already: name the side that serves now --stable (or retry the last"
                + " deployment with deploy retry)");
      }
    }
    release.record(
        request.initiator(),
        "deploy-started",
        request.version()
            + " ("
            + request.strategy()
            + ", "
            + request.stages().size()
            + " stages, rollback "
            + request.rollback().words()
            + ") on "
            + router.describe()
            + (request.reason() == null ? "" : ": " + request.reason()));
    boolean idlePrepared = false;
    if (from != null) {
      release.awaitRunning();
      release.record(
          request.initiator(),
          "deploy-retry",
          "retry of run "
              + from.previousRunId()
              + " from stage "
              + (from.stage() + 1)
              + " ("
              + request.stages().get(from.stage()).label()
              + "), restoring "
              + from.restore());
      next = from.stage();
      applied = from.stage();
      // since RETIRE_IDLE_ON_ROLLBACK the failed run's rollback scaled the idle side to 0: bring it
      // up and check it again before traffic is restored to it (older runs restored first)
      if (request.blueGreen()
          && Workflow.getVersion(RETIRE_IDLE_ON_ROLLBACK, Workflow.DEFAULT_VERSION, 1) >= 1) {
        prepareIdleSide();
        idlePrepared = true;
      }
      if (from.restore().canary() > 0) {
        release.enter(Phase.RUNNING, "restoring " + from.restore());
        shift(from.restore(), "retry: restore");
      }
    }
    if (request.blueGreen() && !idlePrepared) {
      prepareIdleSide();
    }
  }

  private void prepareIdleSide() {
    Environment e = request.environment();
    release.awaitRunning();
    if (e != null) {
      release.enter(Phase.RUNNING, "preparing " + e.idleService());
      // since RETIRE_IDLE_ON_ROLLBACK a rollback before the window is over scales the idle side
      // (the new version, now without traffic) back to 0, as CodeDeploy ends a replacement task set
      if (Workflow.getVersion(RETIRE_IDLE_ON_ROLLBACK, Workflow.DEFAULT_VERSION, 1) >= 1) {
        release.changed(idleSide(e));
      }
      String taskDefinition =
          environments.prepare(e, request.version(), release.stepKey("prepare-idle"));
      release.record(
          OperatorGate.SYSTEM,
          "idle-side-prepared",
          e.idleService() + " runs " + taskDefinition + " (" + e.desiredCount() + " task(s))");
    }
    checksGate.beforeStep("idle side");
    saveReport("smoke", "PROCEED", null);
  }

  private void runStage(int i) {
    List<Stage> stages = request.stages();
    Stage stage = stages.get(i);
    String label = stage.label();
    int before = i == 0 ? 0 : stages.get(i - 1).weight();
    if (request.loadTest() != null && request.loadTestAfter() == before) {
      loadTest();
    }
    if (DeployPlan.needsApproval(request, i)) {
      release.awaitApprovals("gate before " + label, request.approvals());
    }
    if (warmUp != null) {
      release.enter(Phase.CHECKING, "warm-up");
      notes.add(warmUp.get());
      warmUp = null;
    }
    if (canaryGate != null && split.canary() > 0) {
      canaryGate.beforeStep(label);
    } else {
      release.awaitRunning();
    }
    if (split.canary() > 0) {
      saveReport(split.canary() + " %", "PROCEED", null);
    }
    release.enter(Phase.RUNNING, "shifting to " + label);
    boolean first = split.canary() == 0;
    shift(
        TrafficSplit.canaryAt(stage.weight()),
        "stage " + (i + 1) + " of " + stages.size() + ": " + label);
    applied = i + 1;
    if (first && request.warmUp() != null) {
      WarmUp w = request.warmUp();
      warmUp = Async.function(longRunning::warmUp, w.url(), w.perSecond(), w.duration());
    }
    release.checkAborted();
    if (!stage.hold().isZero()) {
      holdStep = "hold at " + label;
      holdWithChecks(stage.hold());
    }
    if (i == stages.size() - 1) {
      if (warmUp != null) {
        notes.add(warmUp.get());
        warmUp = null;
      }
      saveReport(label, "PROCEED", null);
    }
    next = i + 1;
  }

  /** Shifts the traffic, recorded for the saga first and audited once it is read back. */
  private void shift(TrafficSplit to, String why) {
    release.changed(new Undo("traffic", router.scope(), TrafficSplit.ALL_STABLE.toString()));
    TrafficSplit was = split;
    inFlight = Async.function(traffic::shift, router, to);
    TrafficSplit now = inFlight.get();
    split = now;
    release.record(
        OperatorGate.SYSTEM,
        "traffic-shift",
        router.describe() + ": " + was + " -> " + now + " (" + why + ")");
  }

  /**
   * Holds for {@code total} under {@link #holdStep}, checking as it goes. Runs since {@link
   * #HALF_INTERVAL_TRIGGERS} check drift and the rollback triggers every half analysis interval and
   * the background canary analysis every interval, so a bad canary is caught within half an
   * interval plus the metrics' own lag, rather than within a whole one (an interval at the most for
   * any interval above twice the lag). Older runs checked everything once per interval.
   */
  private void holdWithChecks(Duration total) {
    boolean half =
        triggerGate != null
            && Workflow.getVersion(HALF_INTERVAL_TRIGGERS, Workflow.DEFAULT_VERSION, 1) >= 1;
    release.hold(
        total, holdStep, half ? checkEvery.dividedBy(2) : checkEvery, holdCheck(half ? 2 : 1));
  }

  /**
   * Run every check of a hold: drift and rollback triggers; the background analysis on every {@code
   * analysisEvery}-th check (once per analysis interval).
   */
  private Runnable holdCheck(int analysisEvery) {
    Runnable triggers = triggerGate == null ? null : triggerGate.duringHold();
    Runnable background = canaryGate == null ? null : canaryGate.duringHold();
    int[] checks = {0};
    return () -> {
      checkDrift();
      if (triggers != null) {
        triggers.run();
      }
      checks[0]++;
      // at 100 % there is no baseline to compare with: the triggers watch the new version alone
      if (background != null
          && checks[0] % analysisEvery == 0
          && split.canary() < 100
          && !release.isPaused()) {
        background.run();
      }
    };
  }

  /**
   * Reads the router: weights lost (an HAProxy reload without a server-state file) or changed by
   * hand are re-applied and audited, or pause first under policy {@code pause}.
   */
  private void checkDrift() {
    TrafficSplit actual;
    try {
      actual = traffic.read(router);
    } catch (ActivityFailure e) {
      log.warn("drift check skipped: {}", FailureType.rootMessage(e));
      return;
    }
    if (actual.equals(split)) {
      return;
    }
    String why = "traffic drift on " + router.describe() + ": reads " + actual + ", set " + split;
    if (request.rollback() == RollbackPolicy.PAUSE) {
      release.pauseBySystem(why + "; resume re-applies " + split, true);
      release.awaitRunning();
      release.enter(Phase.HOLDING, holdStep);
    }
    TrafficSplit now = traffic.shift(router, split);
    release.record(OperatorGate.SYSTEM, "traffic-drift", why + "; re-applied " + now);
  }

  private void loadTest() {
    release.awaitRunning();
    loadGate.beforeStep("load test");
    saveReport("load test", "PROCEED", null);
  }

  private String finishBlueGreen() {
    Environment e = request.environment();
    if (!committed) {
      if (!request.rollbackWindow().isZero()) {
        holdStep = "rollback window";
        holdWithChecks(request.rollbackWindow());
      }
      release.checkAborted();
      committed = true;
      if (e != null) {
        release.settled(idleSide(e)); // the idle side is the live side now
      }
      release.record(
          OperatorGate.SYSTEM,
          "deploy-committed",
          "rollback window over: " + request.version() + " keeps the traffic");
    }
    if (e != null) {
      release.enter(Phase.RUNNING, "retiring " + e.stableService());
      environments.retire(e, e.stableService());
      release.record(OperatorGate.SYSTEM, "side-retired", e.stableService() + " scaled to 0");
    }
    return request.service()
        + " "
        + request.version()
        + " serves all traffic on "
        + router.canary()
        + (e == null ? "" : "; " + e.stableService() + " retired");
  }

  // ---- undo: all traffic to stable at once, read back; then the idle side back to 0 ----

  private static Undo idleSide(Environment e) {
    return new Undo("idle-side", e.idleService(), "desired count 0");
  }

  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    if (committed) {
      return Workflow.newPromise("traffic stays on " + request.version() + " (window over)");
    }
    if (change.action().equals("idle-side")) {
      Environment e = request.environment();
      if (split.canary() > 0) { // the traffic's undo did not confirm 100/0: the side may serve
        return Workflow.newPromise(e.idleService() + " kept: traffic not confirmed on stable");
      }
      return Async.procedure(environments::retire, e, e.idleService())
          .thenApply(
              v -> {
                String done = e.idleService() + " (" + request.version() + ") scaled to 0";
                release.record(OperatorGate.SYSTEM, "side-retired", done + " (" + reason + ")");
                return done;
              });
    }
    TrafficSplit was = split;
    Promise<TrafficSplit> settled =
        inFlight == null ? Workflow.newPromise(was) : inFlight.handle((s, f) -> s);
    return settled
        .thenCompose(s -> Async.function(traffic::shift, router, TrafficSplit.ALL_STABLE))
        .thenCompose(set -> Async.function(traffic::read, router))
        .thenApply(
            read -> {
              if (!read.equals(TrafficSplit.ALL_STABLE)) {
                throw FailureType.COMPENSATION_FAILED.permanent(
                    "rollback did not happen: "
                        + router.describe()
                        + " reads "
                        + read
                        + " after setting "
                        + TrafficSplit.ALL_STABLE);
              }
              split = read;
              String done =
                  "all traffic on stable: "
                      + router.describe()
                      + " "
                      + was
                      + " -> "
                      + read
                      + ", read back";
              release.record(OperatorGate.SYSTEM, "traffic-rollback", done + " (" + reason + ")");
              return done;
            })
        .thenCompose(
            done ->
                Async.procedure(analyses::save, rollbackReport(cause, reason, was, done))
                    .handle(
                        (v, f) -> {
                          if (f != null) {
                            log.error("rollback report not saved: {}", f.getMessage());
                          }
                          return done;
                        }));
  }

  private StageReport rollbackReport(
      StopCause cause, String reason, TrafficSplit was, String done) {
    List<String> lines = new ArrayList<>(notes);
    lines.add("cause: " + cause.name().toLowerCase() + ": " + reason);
    lines.add(
        "traffic before: " + was + " (stage " + applied + " of " + request.stages().size() + ")");
    lines.add(done);
    StageReport report =
        new StageReport(
            Workflow.getInfo().getWorkflowId(),
            runKey,
            request.service(),
            request.version(),
            "rollback",
            0,
            "ROLLBACK",
            List.copyOf(measured),
            lastLoadTest,
            lines,
            Workflow.currentTimeMillis());
    stageViews.add(
        new DeployStatus.StageView(
            "rollback", 0, "ROLLBACK", Instant.ofEpochMilli(report.atMillis()), done));
    return report;
  }

  // ---- reports ----

  private void saveReport(String stage, String verdict, String detail) {
    String line = detail != null ? detail : summary();
    StageReport report =
        new StageReport(
            Workflow.getInfo().getWorkflowId(),
            runKey,
            request.service(),
            request.version(),
            stage,
            split.canary(),
            verdict,
            List.copyOf(measured),
            lastLoadTest,
            List.copyOf(notes),
            Workflow.currentTimeMillis());
    analyses.save(report);
    stageViews.add(
        new DeployStatus.StageView(
            stage, split.canary(), verdict, Instant.ofEpochMilli(report.atMillis()), line));
    if (!"PAUSE".equals(verdict)) {
      measured.clear();
      notes.clear();
      lastLoadTest = null;
    }
  }

  /** The latest figures in one line. */
  private String summary() {
    if (measured.isEmpty()) {
      return notes.isEmpty() ? "" : notes.getLast();
    }
    StageAnalysis a = measured.getLast();
    List<String> parts = new ArrayList<>();
    for (MetricResult m : a.results()) {
      parts.add(m.metric() + " " + (m.canary() == null ? "no data" : m.canary()));
    }
    return a.verdict() + ": " + String.join(", ", parts);
  }

  private void keep(StageAnalysis a) {
    measured.add(a);
    while (measured.size() > ANALYSES_KEPT) {
      measured.removeFirst();
    }
    if (a.results() != null && !a.results().isEmpty()) {
      lastAnalysis = a.results();
    }
  }

  /** Each metric as a guardrail reading; never empty (no metrics is no data). */
  private static List<GuardrailReading> readings(String prefix, StageAnalysis a) {
    long at = a.atMillis() > 0 ? a.atMillis() : Workflow.currentTimeMillis();
    if (a.results() == null || a.results().isEmpty()) {
      return List.of(
          new GuardrailReading(prefix + "analysis", Verdict.INCONCLUSIVE, null, "no metrics", at));
    }
    return a.results().stream()
        .map(
            m ->
                new GuardrailReading(
                    prefix + m.metric(),
                    m.verdict() == null ? Verdict.INCONCLUSIVE : m.verdict(),
                    m.canary(),
                    m.detail(),
                    at,
                    m.error()))
        .toList();
  }

  /** Saves a report for a failed or inconclusive gate before the kit applies the policy. */
  private void breached(String stage, Verdict verdict, BreachPolicy policy, String why) {
    String v;
    String name;
    if (verdict == Verdict.FAIL && policy == BreachPolicy.ROLLBACK) {
      v = "ROLLBACK";
      name = stage;
    } else if (verdict == Verdict.FAIL && policy == BreachPolicy.NEVER) {
      v = "PROCEED";
      name = stage + " breach " + (++breaches) + " (ignored: policy never)";
    } else {
      v = "PAUSE";
      name = stage + " pause " + (++breaches);
    }
    notes.add(why);
    try {
      saveReport(name, v, why);
    } catch (ActivityFailure e) {
      log.error("stage report not saved: {}", FailureType.rootMessage(e));
    }
  }

  private final class CanarySource implements GuardrailSource {
    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      StageAnalysis a = analyses.analyze(request.analysis());
      keep(a);
      return readings("", a);
    }

    @Override
    public void validate(List<Guardrail> guardrails) {
      analyses.validate(request.analysis());
    }

    @Override
    public void breached(Verdict verdict, BreachPolicy policy, String why) {
      DeploymentWorkflowImpl.this.breached(split.canary() + " %", verdict, policy, why);
    }
  }

  private final class TriggerSource implements GuardrailSource {
    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      StageAnalysis a = analyses.triggers(request.analysis());
      keep(a);
      return readings("trigger ", a);
    }

    @Override
    public void validate(List<Guardrail> guardrails) {}

    @Override
    public void breached(Verdict verdict, BreachPolicy policy, String why) {
      DeploymentWorkflowImpl.this.breached(split.canary() + " %", verdict, policy, why);
    }
  }

  private final class LoadSource implements GuardrailSource {
    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      LoadTest l = request.loadTest();
      release.enter(Phase.CHECKING, "load test against " + request.canaryUrl());
      LoadTestResult r = longRunning.loadTest(l, request.canaryUrl());
      lastLoadTest = r;
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
      DeploymentWorkflowImpl.this.breached("load test", verdict, policy, why);
    }
  }

  /** Blue-green: the idle side is stable (ECS), healthy and answers its smoke checks. */
  private final class IdleSideSource implements GuardrailSource {
    @Override
    public List<GuardrailReading> check(List<Guardrail> guardrails) {
      Environment e = request.environment();
      List<GuardrailReading> r = new ArrayList<>();
      if (e != null) {
        release.enter(Phase.CHECKING, "waiting for " + e.idleService() + " to be stable");
        boolean stable = environments.awaitStable(e, e.idleService(), STABLE_TIMEOUT);
        r.add(
            reading(
                "stable",
                stable,
                e.idleService()
                    + (stable
                        ? " is stable"
                        : " not stable after " + Words.duration(STABLE_TIMEOUT))));
        if (!stable) {
          return r;
        }
      }
      release.enter(Phase.CHECKING, "health and smoke checks on " + request.canaryUrl());
      CheckReport health = environments.health(request.canaryUrl(), 3, HEALTH_TIMEOUT);
      notes.addAll(health.lines());
      r.add(reading("health", health.passed(), String.join("; ", health.lines())));
      if (health.passed() && !request.smoke().isEmpty()) {
        CheckReport smoke = environments.smoke(request.canaryUrl(), request.smoke());
        notes.addAll(smoke.lines());
        r.add(reading("smoke", smoke.passed(), String.join("; ", smoke.lines())));
      }
      return r;
    }

    private GuardrailReading reading(String name, boolean passed, String detail) {
      return new GuardrailReading(
          name,
          passed ? Verdict.PASS : Verdict.FAIL,
          passed ? 1.0 : 0.0,
          detail,
          Workflow.currentTimeMillis());
    }

    @Override
    public void validate(List<Guardrail> guardrails) {}

    @Override
    public void breached(Verdict verdict, BreachPolicy policy, String why) {
      DeploymentWorkflowImpl.this.breached("smoke", verdict, policy, why);
    }
  }

  // ---- visibility ----

  /** The next run's input, between stages only (not yet in the middle of a hold). */
  @Override
  public DeployRequest nextRun() {
    if (release.inHold()) {
      return null;
    }
    return request.withCarried(
        new DeployProgress(next, split, committed, stageViews, release.carry()));
  }

  @Override
  public double progress() {
    return split.canary();
  }

  @Override
  public String position() {
    return (request.blueGreen() ? "new side " : "canary ")
        + split.canary()
        + " % (stage "
        + applied
        + " of "
        + request.stages().size()
        + ")";
  }

  @Override
  public String next() {
    List<Stage> stages = request.stages();
    if (applied < stages.size()) {
      return stages.get(applied).label();
    }
    if (request.blueGreen() && !committed) {
      return request.environment() == null
          ? "commit"
          : "retire " + request.environment().stableService();
    }
    return null;
  }

  @Override
  public DeployStatus status() {
    var kit = release.status();
    List<Stage> stages = request.stages();
    ResumeFrom retry = null;
    if (kit.phase().isTerminal() && kit.phase() != Phase.COMPLETED && !stages.isEmpty()) {
      int at = Math.min(next, stages.size() - 1);
      retry =
          new ResumeFrom(
              at,
              at == 0
                  ? TrafficSplit.ALL_STABLE
                  : TrafficSplit.canaryAt(stages.get(at - 1).weight()),
              Workflow.getInfo().getRunId());
    }
    return new DeployStatus(
        request.service(),
        request.version(),
        request.strategy(),
        kit.phase(),
        router == null ? null : router.describe(),
        next,
        stages.size(),
        split,
        kit.next(),
        kit.nextAt(),
        List.copyOf(stageViews),
        lastAnalysis,
        retry,
        request.withCarried(null),
        kit);
  }

  @Override
  public List<String> plan() {
    String problem = request.problem();
    return problem != null ? List.of("invalid: " + problem) : DeployPlan.describe(request);
  }
}
