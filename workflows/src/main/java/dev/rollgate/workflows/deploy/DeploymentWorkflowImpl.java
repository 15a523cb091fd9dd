package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;

/**
 * A deployment on the release kit: this class holds the sequence of stages; each responsibility
 * lives in one place beside it: {@link TrafficControl} (every router and side change, serialised
 * with the undo), {@link IdleSide} (blue-green: prepare, checks, retire), {@link DeployGates}
 * (canary analysis, rollback triggers, load test, idle-side checks) and {@link StageReports}.
 *
 * <p>Each stage: approvals, the canary analysis gate, the shift (recorded for the saga and audited
 * once), a hold with rollback triggers, background analysis and a drift check. The undo sends all
 * traffic to stable at once and reads the router back; a rollback that did not happen fails the
 * release.
 *
 * <p>Promotion: the last stage leaves the router at 0/100, the new version serving everything on
 * the side named {@code canary}; Rollgate does not swap the sides' names, so the next deployment
 * names that side {@code stable}.
 */
public class DeploymentWorkflowImpl extends ReleaseWorkflowBase implements DeploymentWorkflow {
  private static final Logger log = Workflow.getLogger(DeploymentWorkflowImpl.class);

  /** {@code Workflow.getVersion} change id: the worker checks the deployment's URLs at start. */
  static final String ALLOWED_HOSTS = "deploy-allowed-hosts";

  /** {@code Workflow.getVersion} change id: holds check the triggers every half interval. */
  static final String HALF_INTERVAL_TRIGGERS = "deploy-half-interval-triggers";

  /**
   * {@code Workflow.getVersion} change id: a pause that arrives while the gate before a shift runs
   * holds the shift until the resume.
   */
  static final String PAUSE_BEFORE_SHIFT = "deploy-pause-before-shift";

  private final DeployRequest request;
  private final DeployStubs stubs;
  private final TrafficControl traffic;
  private final StageReports reports;
  private final IdleSide idleSide;
  private final DeployGates gates;

  private int next;
  private int applied;
  private boolean committed;
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
    this.stubs = DeployStubs.create();
    DeployProgress carried = request.carried();
    this.traffic =
        new TrafficControl(
            release,
            request.router(),
            stubs.traffic(),
            carried == null ? TrafficSplit.ALL_STABLE : carried.split());
    this.reports =
        new StageReports(
            request,
            stubs.analyses(),
            () -> traffic.split().canary(),
            carried == null ? List.of() : carried.stages());
    this.idleSide = new IdleSide(release, request, stubs.environments(), traffic, reports);
    this.gates =
        new DeployGates(release, request, stubs, reports, () -> traffic.split().canary(), idleSide);
    if (carried != null) {
      next = carried.next();
      applied = carried.applied() != null ? carried.applied() : carried.next();
      committed = carried.committed();
      reports.resume(carried.report());
      traffic.reported(carried.serverState());
    }
  }

  // ---- the run ----

  @Override
  public DeployResult deploy(DeployRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new DeployResult(end.phase(), traffic.split(), end.summary());
  }

  private String steps() {
    traffic.decide();
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
      gates.loadTest();
    }
    if (request.blueGreen()) {
      return finishBlueGreen();
    }
    return request.service()
        + " "
        + request.version()
        + " serves all traffic ("
        + traffic.router().describe()
        + " at "
        + traffic.split()
        + ")";
  }

  /** What the next run needs to go on where this one is (between stages or in a hold). */
  private DeployProgress carry() {
    return new DeployProgress(
        next,
        traffic.split(),
        committed,
        reports.views(),
        release.carry(),
        applied,
        reports.carried(),
        traffic.reported());
  }

  private void prepare() {
    release.publish();
    List<String> urls = request.outboundUrls();
    if (!urls.isEmpty() && Workflow.getVersion(ALLOWED_HOSTS, Workflow.DEFAULT_VERSION, 1) >= 1) {
      stubs.environments().checkUrls(urls);
    }
    stubs.traffic().validate(request.router());
    if (request.environment() != null) {
      stubs.environments().validate(request.environment());
    }
    if (request.loadTest() != null) {
      stubs.analyses().validateLoadTest(request.loadTest());
    }
    if (request.startPaused()) {
      release.startPaused(request.initiator(), "started paused");
    } else {
      gates.validate();
    }
    ResumeFrom from = request.resumeFrom();
    if (from == null) {
      refuseCanaryWithTraffic();
    }
    release.record(request.initiator(), "deploy-started", DeployPlan.started(request));
    boolean idlePrepared = false;
    if (from != null) {
      release.awaitRunning();
      release.record(request.initiator(), "deploy-retry", DeployPlan.retry(request, from));
      next = from.stage();
      applied = from.stage();
      // since RETIRE_IDLE_ON_ROLLBACK the failed run's rollback scaled the idle side to 0: bring it
      // up and check it again before traffic is restored to it (older runs restored first)
      if (request.blueGreen() && IdleSide.preparedBeforeRestore()) {
        prepareIdleSide();
        idlePrepared = true;
      }
      if (from.restore().canary() > 0) {
        release.enter(Phase.RUNNING, "restoring " + from.restore());
        traffic.shift(from.restore(), "retry: restore");
      }
    }
    if (request.blueGreen() && !idlePrepared) {
      prepareIdleSide();
    }
  }

  /** A new deployment starts from all traffic on stable. */
  private void refuseCanaryWithTraffic() {
    TrafficSplit now = traffic.read();
    if (now.canary() != 0) {
      Router router = request.router();
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

  private void prepareIdleSide() {
    idleSide.prepare();
    gates.idleSideChecks();
  }

  private void runStage(int i) {
    List<Stage> stages = request.stages();
    Stage stage = stages.get(i);
    String label = stage.label();
    if (release.resumesHold()) {
      // the run before continued as new in this stage's hold: the stage shifted already
      holdAndFinish(i, stage, label);
      return;
    }
    int before = i == 0 ? 0 : stages.get(i - 1).weight();
    if (request.loadTest() != null && request.loadTestAfter() == before) {
      gates.loadTest();
    }
    if (DeployPlan.needsApproval(request, i)) {
      release.awaitApprovals("gate before " + label, request.approvals());
    }
    if (warmUp != null) {
      release.enter(Phase.CHECKING, "warm-up");
      reports.note(warmUp.get());
      warmUp = null;
    }
    traffic.checkServers(request.rollback(), Phase.RUNNING, "before " + label);
    gates.beforeShift(label);
    while (pausedBeforeShift()) {
      release.awaitRunning();
      traffic.checkServers(request.rollback(), Phase.RUNNING, "before " + label);
      gates.beforeShift(label);
    }
    if (traffic.split().canary() > 0) {
      reports.save(traffic.split().canary() + " %", "PROCEED", null);
    }
    release.enter(Phase.RUNNING, "shifting to " + label);
    boolean first = traffic.split().canary() == 0;
    traffic.shift(
        TrafficSplit.canaryAt(stage.weight()),
        "stage " + (i + 1) + " of " + stages.size() + ": " + label);
    applied = i + 1;
    if (first && request.warmUp() != null) {
      WarmUp w = request.warmUp();
      warmUp = Async.function(stubs.longRunning()::warmUp, w.url(), w.perSecond(), w.duration());
    }
    release.checkAborted();
    holdAndFinish(i, stage, label);
  }

  /**
   * Whether a pause was accepted while the gate before a shift measured (its analysis finishes and
   * passes). Since {@link #PAUSE_BEFORE_SHIFT} the shift waits for the resume and the gate runs
   * again, on fresh data; older runs shifted while paused and keep doing so on replay.
   */
  private boolean pausedBeforeShift() {
    return release.isPaused()
        && Workflow.getVersion(PAUSE_BEFORE_SHIFT, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  private void holdAndFinish(int i, Stage stage, String label) {
    List<Stage> stages = request.stages();
    if (!stage.hold().isZero()) {
      holdStep = "hold at " + label;
      holdWithChecks(stage.hold());
    }
    if (i == stages.size() - 1) {
      if (warmUp != null) {
        reports.note(warmUp.get());
        warmUp = null;
      }
      reports.save(label, "PROCEED", null);
    }
    next = i + 1;
  }

  /**
   * Holds for {@code total} under {@link #holdStep}, checking as it goes: this is where a
   * deployment's hold is entered. Runs since {@link #HALF_INTERVAL_TRIGGERS} check drift and the
   * rollback triggers every half analysis interval and the background canary analysis every
   * interval, so a bad canary is caught within half an interval plus the metrics' own lag, rather
   * than within a whole one. Older runs checked everything once per interval.
   */
  private void holdWithChecks(Duration total) {
    boolean half =
        gates.hasTriggers()
            && Workflow.getVersion(HALF_INTERVAL_TRIGGERS, Workflow.DEFAULT_VERSION, 1) >= 1;
    Duration every = half ? gates.checkEvery().dividedBy(2) : gates.checkEvery();
    Runnable check =
        gates.duringHold(
            half ? 2 : 1,
            () -> {
              traffic.checkServers(request.rollback(), Phase.HOLDING, holdStep);
              traffic.checkDrift(request.rollback(), holdStep);
            });
    release.hold(total, holdStep, every, check);
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
      idleSide.committed(); // the idle side is the live side now
      release.record(
          OperatorGate.SYSTEM,
          "deploy-committed",
          "rollback window over: " + request.version() + " keeps the traffic");
    }
    idleSide.retireOld();
    return request.service()
        + " "
        + request.version()
        + " serves all traffic on "
        + request.router().canary()
        + (e == null ? "" : "; " + e.stableService() + " retired");
  }

  // ---- undo: all traffic to stable at once, read back; then the idle side back to 0 ----

  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    if (committed) {
      return Workflow.newPromise("traffic stays on " + request.version() + " (window over)");
    }
    if (IdleSide.isUndo(change)) {
      return idleSide.undo(reason);
    }
    return traffic.undo(
        reason,
        (was, done) ->
            Async.procedure(
                    stubs.analyses()::save, reports.rollback(cause, reason, was, applied, done))
                .handle(
                    (v, f) -> {
                      if (f != null) {
                        log.error("rollback report not saved: {}", f.getMessage());
                      }
                      return done;
                    }));
  }

  // ---- visibility ----

  /**
   * The next run's input, between stages or in the middle of a hold; in a hold, not while the
   * warm-up activity still runs (the hold asks again at its next check).
   */
  @Override
  public DeployRequest nextRun() {
    if (warmUp != null && release.inHold()) {
      if (!warmUp.isCompleted()) {
        return null;
      }
      reports.note(warmUp.get());
      warmUp = null;
    }
    return request.withCarried(carry());
  }

  @Override
  public double progress() {
    return traffic.split().canary();
  }

  @Override
  public String position() {
    return (request.blueGreen() ? "new side " : "canary ")
        + traffic.split().canary()
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
      return stages.get(applied).label()
          + (DeployPlan.needsApproval(request, applied) && release.gateStatus().pending() == null
              ? " (needs approval)"
              : "");
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
        request.router() == null ? null : request.router().describe(),
        next,
        stages.size(),
        traffic.split(),
        kit.next(),
        kit.nextAt(),
        reports.views(),
        reports.lastAnalysis(),
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
