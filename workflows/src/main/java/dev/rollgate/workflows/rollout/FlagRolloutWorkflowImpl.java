package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.GatedWorkflow;
import dev.rollgate.workflows.gate.GuardrailActivities;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.gate.OperatorGate.HoldOutcome;
import dev.rollgate.workflows.gate.Verdict;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

public class FlagRolloutWorkflowImpl extends GatedWorkflow implements FlagRolloutWorkflow {
  private static final Logger log = Workflow.getLogger(FlagRolloutWorkflowImpl.class);
  private static final int HISTORY_KEPT = 200;

  /** Continue-as-new well before Temporal's 10,240-event warning. */
  static final int CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;

  private final StartRolloutRequest request;
  private final FlagActivities flags;
  private final GuardrailActivities guardrails;

  private RolloutPhase phase = RolloutPhase.STARTING;
  private int nextStep;
  private double currentPercent;
  private long startedAtMillis;
  private final List<StepRecord> history = new ArrayList<>();
  private List<GuardrailReading> lastReadings = List.of();
  private Promise<FlagState> killed;
  private String outcome;
  private final int generation;

  @WorkflowInit
  public FlagRolloutWorkflowImpl(StartRolloutRequest request) {
    super(
        new OperatorGate(
            request.initiator(), request.carried() == null ? null : request.carried().gate()));
    this.request = request;
    RetryOptions retry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofSeconds(30))
            .build();
    this.flags =
        Workflow.newActivityStub(
            FlagActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(20))
                .setRetryOptions(retry)
                .build());
    this.guardrails =
        Workflow.newActivityStub(
            GuardrailActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                // a failed read is an inconclusive reading, never a pass; do not retry for long
                .setRetryOptions(retry.toBuilder().setMaximumAttempts(3).build())
                .build());
    RolloutProgress carried = request.carried();
    if (carried != null) {
      nextStep = carried.nextStep();
      currentPercent = carried.currentPercent();
      startedAtMillis = carried.startedAtMillis();
      history.addAll(carried.history());
      generation = carried.generation();
    } else {
      startedAtMillis = Workflow.currentTimeMillis();
      generation = 0;
    }
  }

  @Override
  public RolloutResult run(StartRolloutRequest ignored) {
    String problem = request.problem();
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    if (request.carried() == null) {
      prepare();
    }
    List<RolloutStep> steps = request.plan().steps();
    while (nextStep < steps.size()) {
      RolloutStep step = steps.get(nextStep);
      RolloutResult ended = runStep(step);
      if (ended != null) {
        return finish(ended);
      }
      if (nextStep < steps.size() && historyIsLarge()) {
        continueAsNew();
      }
    }
    phase = RolloutPhase.COMPLETED;
    return finish(
        new RolloutResult(
            RolloutPhase.COMPLETED,
            currentPercent,
            request.flag() + " reached " + fmt(currentPercent) + " %"));
  }

  private void prepare() {
    updateVisibility();
    try {
      flags.describe(request.flag());
      if (!request.guardrails().isEmpty()) {
        guardrails.validate(request.guardrails());
      }
    } catch (ActivityFailure e) {
      // surface the activity's typed, non-retryable failure as the workflow's own
      if (e.getCause() instanceof ApplicationFailure cause) {
        throw ApplicationFailure.newNonRetryableFailure(
            cause.getOriginalMessage(), cause.getType());
      }
      throw e;
    }
    gate.record(
        request.initiator(),
        "rollout-started",
        request.plan().steps().size()
            + " steps over "
            + request.plan().totalDuration()
            + (request.reason() == null ? "" : ": " + request.reason()));
    long wait = request.startAtMillis() - Workflow.currentTimeMillis();
    if (wait > 0) {
      phase = RolloutPhase.SCHEDULED;
      updateVisibility();
      gate.hold(Duration.ofMillis(wait), null, null);
    }
  }

  /** Runs one step; returns a result when the rollout ends, null to go on. */
  private RolloutResult runStep(RolloutStep step) {
    if (!step.holdBefore().isZero()) {
      phase = RolloutPhase.HOLDING;
      updateVisibility();
      HoldOutcome held =
          gate.hold(step.holdBefore(), request.guardrailInterval(), this::checkDuringHold);
      if (held == HoldOutcome.ABORTED) {
        return killSwitch();
      }
      if (held == HoldOutcome.STOPPED) {
        return rollBack();
      }
    }
    Double gatePercent = approvalGateFor(step.percent());
    if (gatePercent != null) {
      phase = RolloutPhase.AWAITING_APPROVAL;
      updateVisibility();
      ApprovalPolicy policy = request.approvalPolicy();
      if (!gate.awaitApprovals("gate before " + fmt(step.percent()) + " %", policy)) {
        return killSwitch();
      }
    }
    List<GuardrailReading> readings = List.of();
    while (true) {
      if (!awaitRunning()) {
        return killSwitch();
      }
      if (request.guardrails().isEmpty()) {
        break;
      }
      phase = RolloutPhase.CHECKING;
      updateVisibility();
      readings = readGuardrails();
      if (gate.isAborted()) {
        return killSwitch();
      }
      Verdict verdict = worst(readings);
      if (verdict == Verdict.PASS) {
        break;
      }
      if (verdict == Verdict.FAIL && request.onBreach() == BreachPolicy.ROLLBACK) {
        return rollBack();
      }
      gate.pauseBySystem(describe(verdict, readings));
    }
    phase = RolloutPhase.APPLYING;
    updateVisibility();
    FlagState state =
        flags.apply(
            new FlagChange(
                request.flag(),
                step.percent(),
                false,
                changeKey("step-" + nextStep),
                OperatorGate.SYSTEM,
                "rollout step " + (nextStep + 1) + " of " + request.plan().steps().size()));
    currentPercent = state.percent();
    history.add(
        new StepRecord(
            nextStep, state.percent(), Workflow.currentTimeMillis(), state.version(), readings));
    while (history.size() > HISTORY_KEPT) {
      history.remove(0);
    }
    gate.record(
        OperatorGate.SYSTEM,
        "step-applied",
        "step "
            + (nextStep + 1)
            + ": "
            + fmt(state.percent())
            + " % (version "
            + state.version()
            + ")");
    nextStep++;
    if (gate.isAborted()) {
      return killSwitch();
    }
    phase = RolloutPhase.HOLDING;
    updateVisibility();
    return null;
  }

  /** Guardrail check during a hold: a failure pauses or stops (rollback); no data pauses. */
  private boolean checkDuringHold() {
    List<GuardrailReading> readings = readGuardrails();
    Verdict verdict = worst(readings);
    if (verdict == Verdict.PASS) {
      return true;
    }
    if (verdict == Verdict.FAIL && request.onBreach() == BreachPolicy.ROLLBACK) {
      return false;
    }
    gate.pauseBySystem(describe(verdict, readings));
    updateVisibility();
    return true;
  }

  private List<GuardrailReading> readGuardrails() {
    if (request.guardrails().isEmpty()) {
      return List.of();
    }
    try {
      lastReadings = guardrails.check(request.guardrails());
    } catch (ActivityFailure e) {
      long now = Workflow.currentTimeMillis();
      lastReadings =
          request.guardrails().stream()
              .map(
                  g ->
                      new GuardrailReading(
                          g.name(),
                          Verdict.INCONCLUSIVE,
                          null,
                          "check failed: " + rootMessage(e),
                          now))
              .toList();
    }
    return lastReadings;
  }

  private boolean awaitRunning() {
    if (gate.isPaused()) {
      phase = RolloutPhase.PAUSED;
      updateVisibility();
    }
    return gate.awaitNotPaused();
  }

  private RolloutResult killSwitch() {
    startKill();
    FlagState state = killed.get();
    currentPercent = 0;
    phase = RolloutPhase.ABORTED;
    outcome =
        "aborted by "
            + gate.abortedBy()
            + ": "
            + gate.abortReason()
            + "; kill switch on (flag version "
            + state.version()
            + ")";
    return new RolloutResult(RolloutPhase.ABORTED, 0, outcome);
  }

  private void startKill() {
    if (killed == null) {
      killed =
          Async.function(
              flags::apply,
              new FlagChange(
                  request.flag(),
                  0,
                  true,
                  changeKey("kill"),
                  gate.abortedBy(),
                  "abort: " + gate.abortReason()));
    }
  }

  private RolloutResult rollBack() {
    FlagState state =
        flags.apply(
            new FlagChange(
                request.flag(),
                0,
                false,
                changeKey("rollback"),
                OperatorGate.SYSTEM,
                "guardrail breach: " + describe(Verdict.FAIL, lastReadings)));
    currentPercent = state.percent();
    phase = RolloutPhase.ROLLED_BACK;
    outcome = "rolled back to 0 %: " + describe(Verdict.FAIL, lastReadings);
    return new RolloutResult(RolloutPhase.ROLLED_BACK, currentPercent, outcome);
  }

  private RolloutResult finish(RolloutResult result) {
    phase = result.phase();
    outcome = result.summary();
    gate.record(OperatorGate.SYSTEM, "rollout-" + phase.name().toLowerCase(), outcome);
    updateVisibility();
    gate.flushAudit();
    return result;
  }

  private void continueAsNew() {
    gate.flushAudit();
    log.info("continuing as new after {} events", Workflow.getInfo().getHistoryLength());
    RolloutProgress progress =
        new RolloutProgress(
            nextStep, currentPercent, startedAtMillis, history, gate.status(), generation + 1);
    Workflow.continueAsNew(request.withCarried(progress));
  }

  /**
   * Idempotency key of a flag change: the workflow id names the flag, the first run id tells this
   * rollout from an earlier one of the same flag and stays the same across continue-as-new.
   */
  private static String changeKey(String step) {
    return Workflow.getInfo().getWorkflowId()
        + "/"
        + Workflow.getInfo().getFirstExecutionRunId()
        + "/"
        + step;
  }

  private static boolean historyIsLarge() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > CONTINUE_AS_NEW_AFTER_EVENTS;
  }

  /** The approval percentage that this step is the first to reach, if any. */
  private Double approvalGateFor(double stepPercent) {
    double previous = nextStep == 0 ? 0 : request.plan().steps().get(nextStep - 1).percent();
    for (double at : request.approvalAt()) {
      if (at > previous && at <= stepPercent) {
        return at;
      }
    }
    return null;
  }

  @Override
  protected void onOperatorAction() {
    if (gate.isAborted()) {
      // the kill switch starts from the handler, without waiting for the main loop to wake
      startKill();
    }
    updateVisibility();
  }

  @Override
  public RolloutStatus status() {
    List<RolloutStep> steps = request.plan().steps();
    Double nextPercent = nextStep < steps.size() ? steps.get(nextStep).percent() : null;
    long nextAt = gate.status().holdEndsAtMillis();
    return new RolloutStatus(
        request.flag(),
        effectivePhase(),
        currentPercent,
        nextStep,
        steps.size(),
        nextPercent,
        nextAt,
        startedAtMillis,
        List.copyOf(history),
        lastReadings,
        gate.status(),
        outcome);
  }

  private RolloutPhase effectivePhase() {
    boolean terminal =
        phase == RolloutPhase.COMPLETED
            || phase == RolloutPhase.ROLLED_BACK
            || phase == RolloutPhase.ABORTED;
    return !terminal && gate.isPaused() ? RolloutPhase.PAUSED : phase;
  }

  private void updateVisibility() {
    RolloutPhase shown = effectivePhase();
    Workflow.upsertTypedSearchAttributes(
        RollgateSearchAttributes.KIND.valueSet(KIND),
        RollgateSearchAttributes.TARGET.valueSet(request.flag()),
        RollgateSearchAttributes.PHASE.valueSet(shown.name()),
        RollgateSearchAttributes.PROGRESS.valueSet(currentPercent));
    StringBuilder details = new StringBuilder();
    details
        .append("**")
        .append(request.flag())
        .append("** at **")
        .append(fmt(currentPercent))
        .append(" %** · ")
        .append(shown)
        .append(" · step ")
        .append(nextStep)
        .append(" of ")
        .append(request.plan().steps().size());
    List<RolloutStep> steps = request.plan().steps();
    if (nextStep < steps.size()) {
      details.append("\n\nnext: ").append(fmt(steps.get(nextStep).percent())).append(" %");
      long endsAt = gate.status().holdEndsAtMillis();
      if (endsAt > 0) {
        details.append(" at ").append(Instant.ofEpochMilli(endsAt));
      }
    }
    if (gate.isPaused()) {
      details
          .append("\n\npaused by ")
          .append(gate.status().pausedBy())
          .append(": ")
          .append(gate.status().pauseReason());
    }
    Workflow.setCurrentDetails(details.toString());
  }

  private static Verdict worst(List<GuardrailReading> readings) {
    Verdict worst = Verdict.PASS;
    for (GuardrailReading r : readings) {
      if (r.verdict() == Verdict.FAIL) {
        return Verdict.FAIL;
      }
      if (r.verdict() == Verdict.INCONCLUSIVE) {
        worst = Verdict.INCONCLUSIVE;
      }
    }
    return worst;
  }

  private static String describe(Verdict verdict, List<GuardrailReading> readings) {
    StringBuilder sb = new StringBuilder("guardrail ");
    sb.append(verdict == Verdict.FAIL ? "breach" : "inconclusive");
    for (GuardrailReading r : readings) {
      if (r.verdict() == verdict) {
        sb.append("; ").append(r.guardrail()).append(": ").append(r.detail());
      }
    }
    return sb.toString();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof ApplicationFailure af ? af.getOriginalMessage() : t.getMessage();
  }

  static String fmt(double percent) {
    return java.math.BigDecimal.valueOf(RolloutPlan.round(percent))
        .setScale(2, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
