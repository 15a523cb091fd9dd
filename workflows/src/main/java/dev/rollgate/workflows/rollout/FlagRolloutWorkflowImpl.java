package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.GuardrailGate;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.gate.ReadingView;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A flag rollout on the release kit: this class holds only what is about flags. */
public class FlagRolloutWorkflowImpl extends ReleaseWorkflowBase implements FlagRolloutWorkflow {
  private static final int HISTORY_KEPT = 200;

  /** {@code Workflow.getVersion} change id: holds read the flag back and report drift. */
  static final String FLAG_DRIFT = "rollout-flag-drift";

  /** How often a hold without guardrails reads the flag back. */
  private static final Duration DRIFT_CHECK_WITHOUT_GUARDRAILS = Duration.ofMinutes(1);

  private final StartRolloutRequest request;
  private final FlagActivities flagsRemote;
  private final FlagActivities flagsLocal;
  private final GuardrailGate guardrails;
  private final List<StepRecord> history = new ArrayList<>();
  private final Undo flagChange;
  private int nextStep;
  private double currentPercent;

  @WorkflowInit
  public FlagRolloutWorkflowImpl(StartRolloutRequest request) {
    super(
        new Release(
            KIND,
            request.flag(),
            request.initiator(),
            request.carried() == null ? null : request.carried().kit()));
    this.request = request;
    RetryOptions retry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofSeconds(30))
            .build();
    this.flagsRemote =
        Workflow.newActivityStub(
            FlagActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(20))
                .setRetryOptions(retry)
                .build());
    this.flagsLocal =
        Workflow.newLocalActivityStub(
            FlagActivities.class,
            LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(20))
                // retried until the flag store answers, like a regular activity (without a
                // schedule-to-close timeout the SDK would not retry a local activity at all);
                // a local retry is cheap, so the first comes sooner
                .setScheduleToCloseTimeout(Duration.ofDays(365))
                .setRetryOptions(
                    retry.toBuilder().setInitialInterval(Duration.ofMillis(200)).build())
                .build());
    this.guardrails =
        new GuardrailGate(
            release, request.guardrails(), request.guardrailInterval(), request.onBreach());
    this.flagChange = new Undo("flag", request.flag(), "0 %");
    RolloutProgress carried = request.carried();
    if (carried != null) {
      nextStep = carried.nextStep();
      currentPercent = carried.currentPercent();
      history.addAll(carried.history());
    }
  }

  /**
   * Flag reads and writes are short database calls: local activities (one workflow task per step,
   * no task-queue round trip for the kill switch); rollouts recorded before the release kit used
   * regular activities and keep them so that they replay.
   */
  private FlagActivities flags() {
    return release.legacy() ? flagsRemote : flagsLocal;
  }

  @Override
  public RolloutResult run(StartRolloutRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::rollout);
    return new RolloutResult(end.phase(), currentPercent, end.summary());
  }

  private String rollout() {
    if (request.carried() == null) {
      prepare();
    }
    // the rollout owns the flag from its start: abort kills it, a rollback sets it to 0 %
    release.changed(flagChange);
    List<RolloutStep> steps = request.plan().steps();
    while (nextStep < steps.size()) {
      runStep(steps.get(nextStep));
      if (nextStep < steps.size() && release.historyIsLarge()) {
        release.continueAsNew();
      }
    }
    return request.flag() + " reached " + Words.percent(currentPercent) + " %";
  }

  private void prepare() {
    release.publish();
    flags().describe(request.flag());
    if (request.startPaused()) {
      // the CLI checked the guardrails, or was told Prometheus is down and asked for this
      release.startPaused(request.initiator(), "started paused");
    } else {
      guardrails.validate();
    }
    release.record(
        request.initiator(),
        "rollout-started",
        request.plan().steps().size()
            + " steps over "
            + Words.duration(request.plan().totalDuration())
            + (request.reason() == null ? "" : ": " + request.reason()));
    release.scheduled(request.startAtMillis());
  }

  private void runStep(RolloutStep step) {
    String target = Words.percent(step.percent()) + " %";
    if (!step.holdBefore().isZero()) {
      holdBefore(step, target);
    }
    if (needsApproval(step.percent())) {
      release.awaitApprovals("gate before " + target, request.approvalPolicy());
    }
    List<GuardrailReading> readings = guardrails.beforeStep(target);
    release.enter(Phase.RUNNING, "applying " + target);
    FlagState state =
        flags()
            .apply(
                new FlagChange(
                    request.flag(),
                    step.percent(),
                    false,
                    release.stepKey("step-" + nextStep),
                    OperatorGate.SYSTEM,
                    "rollout step " + (nextStep + 1) + " of " + request.plan().steps().size(),
                    release.auditTime()));
    currentPercent = state.percent();
    history.add(
        new StepRecord(
            nextStep, state.percent(), Workflow.currentTimeMillis(), state.version(), readings));
    while (history.size() > HISTORY_KEPT) {
      history.remove(0);
    }
    if (release.legacy()) {
      // since the release kit the flag store audits the change in its own transaction
      release.record(
          OperatorGate.SYSTEM,
          "step-applied",
          "step " + (nextStep + 1) + ": " + target + " (version " + state.version() + ")");
    }
    nextStep++;
    release.checkAborted();
    if (release.legacy() || nextStep < request.plan().steps().size()) {
      release.enter(Phase.HOLDING, "at " + target);
    }
  }

  /**
   * Holds before a step, checking the guardrails and, since {@link #FLAG_DRIFT}, that the flag
   * still reads what the rollout set: a change by hand (the flag API refuses one while a rollout
   * owns the flag unless told to only warn) pauses the rollout, and the resume re-applies.
   */
  private void holdBefore(RolloutStep step, String target) {
    Runnable guardrailCheck = guardrails.duringHold();
    if (Workflow.getVersion(FLAG_DRIFT, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      release.hold(
          step.holdBefore(), "hold before " + target, request.guardrailInterval(), guardrailCheck);
      return;
    }
    Duration every =
        guardrailCheck != null ? request.guardrailInterval() : DRIFT_CHECK_WITHOUT_GUARDRAILS;
    String holdStep = "hold before " + target;
    release.hold(
        step.holdBefore(),
        holdStep,
        every,
        () -> {
          checkFlag(holdStep);
          if (guardrailCheck != null && !release.isPaused()) {
            guardrailCheck.run();
          }
        });
  }

  /** Reads the flag back; a change made outside the rollout pauses it, the resume re-applies. */
  private void checkFlag(String holdStep) {
    FlagState actual = flags().describe(request.flag());
    if (Math.abs(actual.percent() - currentPercent) < 0.005) {
      return;
    }
    String set = Words.percent(currentPercent) + " %";
    String why =
        "flag "
            + request.flag()
            + " changed outside the rollout: reads "
            + Words.percent(actual.percent())
            + " %"
            + " (version "
            + actual.version()
            + "), the rollout set "
            + set;
    release.record(OperatorGate.SYSTEM, "flag-drift", why);
    release.pauseBySystem(why + "; resume re-applies " + set, true);
    release.awaitRunning();
    FlagState now =
        flags()
            .apply(
                new FlagChange(
                    request.flag(),
                    currentPercent,
                    false,
                    release.stepKey("drift-" + nextStep + "-" + release.holdCheck()),
                    OperatorGate.SYSTEM,
                    "re-applied after a change outside the rollout",
                    release.auditTime()));
    release.record(
        OperatorGate.SYSTEM,
        "flag-drift-reapplied",
        set + " re-applied (version " + now.version() + ")");
    release.enter(Phase.HOLDING, holdStep);
  }

  /** The next run's input: where the rollout is, and the kit's state (a hold in progress too). */
  @Override
  public StartRolloutRequest nextRun() {
    return request.withCarried(
        RolloutProgress.of(nextStep, currentPercent, history, release.carry()));
  }

  /** Whether an approval percentage is first reached by this step. */
  private boolean needsApproval(double stepPercent) {
    double previous = nextStep == 0 ? 0 : request.plan().steps().get(nextStep - 1).percent();
    return request.approvalAt().stream().anyMatch(at -> at > previous && at <= stepPercent);
  }

  /** Abort and cancellation turn the kill switch on; a rollback or failure sets 0 %. */
  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    boolean kill = cause == StopCause.ABORT || cause == StopCause.CANCEL;
    String actor =
        cause == StopCause.ABORT
            ? release.gateStatus().abortedBy()
            : cause == StopCause.CANCEL ? "temporal" : OperatorGate.SYSTEM;
    FlagChange off =
        new FlagChange(
            change.subject(),
            0,
            kill,
            release.stepKey(kill ? "kill" : "rollback"),
            actor,
            (kill ? "abort: " : "rollback: ") + reason,
            release.auditTime());
    return Async.function(flags()::apply, off)
        .thenApply(
            state -> {
              currentPercent = 0;
              return kill
                  ? "kill switch on (flag version " + state.version() + ")"
                  : "flag at 0 % (version " + state.version() + ")";
            });
  }

  @Override
  public double progress() {
    return currentPercent;
  }

  @Override
  public String position() {
    return Words.percent(currentPercent)
        + " % (step "
        + nextStep
        + " of "
        + request.plan().steps().size()
        + ")";
  }

  @Override
  public String next() {
    List<RolloutStep> steps = request.plan().steps();
    if (nextStep >= steps.size()) {
      return null;
    }
    double percent = steps.get(nextStep).percent();
    // a hold before a gate ends in the gate, not in the step: say so where the time is shown
    return Words.percent(percent)
        + " %"
        + (needsApproval(percent) && release.gateStatus().pending() == null
            ? " (needs approval)"
            : "");
  }

  @Override
  public RolloutStatus status() {
    List<RolloutStep> steps = request.plan().steps();
    var kit = release.status();
    return new RolloutStatus(
        request.flag(),
        kit.phase(),
        currentPercent,
        nextStep,
        steps.size(),
        nextStep < steps.size() ? steps.get(nextStep).percent() : null,
        kit.nextAt(),
        Instant.ofEpochMilli(release.startedAtMillis()),
        history.stream().map(RolloutStatus.Step::of).toList(),
        guardrails.lastReadings().stream().map(ReadingView::of).toList(),
        kit);
  }
}
