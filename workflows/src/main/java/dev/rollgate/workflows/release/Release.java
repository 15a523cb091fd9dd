package dev.rollgate.workflows.release;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.CheckCount;
import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.gate.OperatorGate.HoldOutcome;
import dev.rollgate.workflows.gate.PendingApproval;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.EncodedValues;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.DynamicSignalHandler;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The release skeleton every kind runs on, living inside the kind's workflow: steps, holds whose
 * timers freeze on pause, approval gates, pause/resume/abort, compensation (a saga kept as data),
 * cancellation, visibility, audit, continue-as-new and step keys. A kind calls it from its workflow
 * method; it never touches I/O itself.
 */
public final class Release {
  /** The {@code Workflow.getVersion} change id of the release kit. */
  public static final String KIT_CHANGE = "release-kit";

  /**
   * The {@code Workflow.getVersion} change id of bounded holds: a hold continues as new in its
   * middle when the history is large, runs its checks on a fixed grid, and says on each check's
   * timer which check it is.
   */
  public static final String BOUNDED_HOLDS = "release-bounded-holds";

  /**
   * Continue-as-new well before Temporal's 10,240-event warning. Where a run continues as new is
   * part of its history: changing this number is a history-changing edit (behind {@code
   * Workflow.getVersion}), or running releases fail to replay.
   */
  public static final int CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;

  private static final Logger log = Workflow.getLogger(Release.class);

  private final String kind;
  private final String target;
  private int continueAsNewAfterEvents = CONTINUE_AS_NEW_AFTER_EVENTS;
  private final OperatorGate gate;
  private final Visibility visibility;
  private final List<Undo> saga = new ArrayList<>();
  private final long startedAtMillis;
  private final int generation;
  private ReleaseKind hooks;
  private Phase phase = Phase.STARTING;
  private String step = "starting";
  private String outcome;
  private Integer version;
  private Promise<Void> compensation;
  private final List<String> undone = new ArrayList<>();
  private final List<String> undoFailures = new ArrayList<>();
  private Integer holdsVersion;
  private HoldState resumeHold;
  private HoldState currentHold;
  private final Map<String, List<CheckCount>> carriedCounters = new HashMap<>();
  private final Map<String, Supplier<List<CheckCount>>> counterSources = new LinkedHashMap<>();
  private final Map<String, Registered<?>> verbs = new LinkedHashMap<>();

  /** A kind's verb as registered: its payload type, an example payload and its version gate. */
  private record Registered<T>(Class<T> type, String example, String since, KindVerb<T> verb) {}

  /**
   * @param kind the kind's name, e.g. {@code rollout}
   * @param target what the release acts on
   * @param initiator who started it
   * @param carried the kit's state from before a continue-as-new, or null
   */
  public Release(String kind, String target, String initiator, ReleaseState carried) {
    this.kind = kind;
    this.target = target;
    this.gate = new OperatorGate(initiator, carried == null ? null : carried.gate());
    this.visibility = new Visibility(kind, target);
    if (carried != null) {
      saga.addAll(carried.saga());
      startedAtMillis = carried.startedAtMillis();
      generation = carried.generation();
      resumeHold = carried.hold();
      carriedCounters.putAll(carried.counters());
    } else {
      startedAtMillis = Workflow.currentTimeMillis();
      generation = 0;
    }
    Workflow.registerListener((DynamicSignalHandler) this::onSignal);
  }

  void bind(ReleaseKind kind) {
    this.hooks = kind;
  }

  // ---- running ----

  /**
   * Runs a kind's body: refuses bad input, then runs it, and ends it whichever way it ends. A
   * {@link Stop} (abort, rollback) runs the compensation and ends ABORTED or ROLLED_BACK; a
   * cancellation runs it in a detached scope, ends CANCELLED and leaves Temporal's status Canceled;
   * a failed activity runs it and fails the workflow with the activity's failure type.
   *
   * @param problem null when the input is valid, else why not (a non-retryable INVALID_INPUT)
   * @param body the kind's steps; returns a sentence on what it achieved
   * @return the terminal phase and a sentence for people
   */
  public Ending run(String problem, Supplier<String> body) {
    Ending end = runBody(problem, body);
    if (!undoFailures.isEmpty()) {
      // the release ended, but not where it should have: fail loudly, never as a success
      throw FailureType.COMPENSATION_FAILED.permanent(end.summary());
    }
    return end;
  }

  private Ending runBody(String problem, Supplier<String> body) {
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    legacy(); // the version marker is the first command of a new release
    try {
      String summary = body.get();
      return finish(Phase.COMPLETED, summary);
    } catch (Stop stop) {
      return stopped(stop);
    } catch (CanceledFailure cancelled) {
      cancelled(cancelled);
      throw cancelled;
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof CanceledFailure cancelled) {
        // an activity was running when the cancellation arrived
        cancelled(cancelled);
        throw cancelled;
      }
      throw failed(failure);
    }
  }

  /** How a release ended. */
  public record Ending(Phase phase, String summary) {}

  private Ending stopped(Stop stop) {
    StopCause cause = stop.stopCause();
    if (cause == StopCause.ABORT) {
      startCompensation(StopCause.ABORT);
      compensation.get();
      String summary =
          "aborted by " + gate.abortedBy() + ": " + gate.abortReason() + undoneSuffix();
      return finish(endPhase(Phase.ABORTED), summary);
    }
    if (!legacy()) {
      enter(Phase.ROLLING_BACK, stop.getMessage());
      gate.record(OperatorGate.SYSTEM, "rollback", stop.getMessage());
    }
    compensate(cause, stop.getMessage()).get();
    return finish(endPhase(cause.ends()), "rolled back: " + stop.getMessage() + undoneSuffix());
  }

  private void cancelled(CanceledFailure cancelled) {
    String reason = cancelled.getMessage();
    undoAndFinish(
        () ->
            gate.record(
                "temporal",
                "cancel",
                "cancellation requested through Temporal"
                    + (reason == null || reason.isBlank() ? "" : ": " + reason)),
        StopCause.CANCEL,
        "cancelled through Temporal",
        Phase.CANCELLED);
  }

  /**
   * Runs {@code first}, undoes every recorded change and ends the release in {@code end} (FAILED if
   * an undo failed), all in a detached scope: a cancellation of the workflow does not cancel its
   * own rollback or its audit rows.
   */
  private void undoAndFinish(Runnable first, StopCause cause, String reason, Phase end) {
    Workflow.newDetachedCancellationScope(
            () -> {
              first.run();
              compensate(cause, reason).get();
              finish(endPhase(end), reason + undoneSuffix());
            })
        .run();
  }

  private ApplicationFailure failed(ActivityFailure failure) {
    ApplicationFailure typed = typed(failure);
    if (!legacy()) {
      undoAndFinish(() -> {}, StopCause.FAILURE, typed.getOriginalMessage(), Phase.FAILED);
    }
    return typed;
  }

  /** An activity's failure as the workflow's own, keeping its type; never retried. */
  private static ApplicationFailure typed(ActivityFailure failure) {
    if (failure.getCause() instanceof ApplicationFailure cause) {
      return ApplicationFailure.newNonRetryableFailure(cause.getOriginalMessage(), cause.getType());
    }
    return ApplicationFailure.newNonRetryableFailure(
        FailureType.rootMessage(failure), FailureType.UNAVAILABLE.name());
  }

  /** A failed undo makes the release FAILED: a rollback that did not happen is never hidden. */
  private Phase endPhase(Phase wanted) {
    return undoFailures.isEmpty() ? wanted : Phase.FAILED;
  }

  private String undoneSuffix() {
    StringBuilder sb = new StringBuilder();
    for (String u : undone) {
      sb.append("; ").append(u);
    }
    for (String f : undoFailures) {
      sb.append("; UNDO FAILED: ").append(f);
    }
    return sb.toString();
  }

  private Ending finish(Phase end, String summary) {
    phase = end;
    outcome = summary;
    gate.record(OperatorGate.SYSTEM, kind + "-" + end.name().toLowerCase(Locale.ROOT), summary);
    publish();
    gate.flushAudit();
    return new Ending(end, summary);
  }

  // ---- compensation ----

  /** Remembers a change to undo if the release stops; adding the same change twice is a no-op. */
  public void changed(Undo change) {
    if (!saga.contains(change)) {
      saga.add(change);
    }
  }

  /**
   * Forgets a recorded change that no longer needs undoing (e.g. a backup that completed: an abort
   * after it must not delete it). Changes only the kit's state, issues no command: replay-safe.
   */
  public void settled(Undo change) {
    saga.remove(change);
  }

  /**
   * Fails the release from the kind's own code (a refusal found by an activity, a drill that found
   * a difference): undoes the recorded changes in a detached scope, ends FAILED with {@code
   * message}, and returns the failure for the kind to throw, e.g. {@code throw
   * release.fail(FailureType.REFUSED, "...")}. Never retried; a failed undo makes it {@code
   * COMPENSATION_FAILED}.
   */
  public ApplicationFailure fail(FailureType type, String message) {
    undoAndFinish(() -> {}, StopCause.FAILURE, message, Phase.FAILED);
    return undoFailures.isEmpty()
        ? type.permanent(message)
        : FailureType.COMPENSATION_FAILED.permanent(outcome);
  }

  private void startCompensation(StopCause cause) {
    if (compensation == null) {
      compensation = compensate(cause, gate.abortReason());
    }
  }

  /**
   * Undoes every recorded change, newest first, one after the other; a failed undo is reported and
   * the rest still run. The first undo's commands are issued at once, in the caller's thread (an
   * abort handler starts the kill switch before it returns).
   */
  private Promise<Void> compensate(StopCause cause, String reason) {
    undone.clear();
    undoFailures.clear();
    Promise<Void> chain = null;
    for (int i = saga.size() - 1; i >= 0; i--) {
      Undo change = saga.get(i);
      chain =
          chain == null
              ? undoOne(change, cause, reason)
              : chain.thenCompose(done -> undoOne(change, cause, reason));
    }
    return chain == null ? Workflow.newPromise(null) : chain;
  }

  private Promise<Void> undoOne(Undo change, StopCause cause, String reason) {
    return hooks
        .undo(change, cause, reason)
        .handle(
            (done, failure) -> {
              if (failure == null) {
                undone.add(done);
              } else {
                String what =
                    change.action()
                        + " "
                        + change.subject()
                        + ": "
                        + FailureType.rootMessage(failure);
                undoFailures.add(what);
                log.error("undo failed: {}", what);
              }
              return null;
            });
  }

  // ---- steps and waits ----

  /** Enters a phase with the kind's step name, and publishes it. */
  public void enter(Phase next, String stepName) {
    phase = next;
    step = stepName;
    publish();
  }

  /** Throws {@link Stop} when an abort was accepted. */
  public void checkAborted() {
    if (gate.isAborted()) {
      throw new Stop(StopCause.ABORT, gate.abortReason());
    }
  }

  /**
   * Holds for {@code total} of unpaused time (HOLDING), running {@code check} every {@code
   * checkEvery} of hold time from the hold's start (a fixed grid: a slow check does not push the
   * next one back); an abort ends it with {@link Stop}. When the history grows large in the middle
   * of the hold, the release continues as new there (if the kind can: {@link ReleaseKind#nextRun})
   * and the next run's hold of the same step resumes with what was left, on the same grid.
   */
  public void hold(Duration total, String stepName, Duration checkEvery, Runnable check) {
    enter(Phase.HOLDING, stepName);
    if (!boundedHolds()) {
      String summary = stepName + " (" + Words.duration(total) + ")";
      if (gate.hold(total, checkEvery, check, summary, legacy()) == HoldOutcome.ABORTED) {
        throw new Stop(StopCause.ABORT, gate.abortReason());
      }
      return;
    }
    HoldState resumed =
        resumeHold != null && resumeHold.step().equals(stepName) ? resumeHold : null;
    if (resumeHold != null && resumed == null) {
      log.warn(
          "carried hold '{}' does not match '{}': starting afresh", resumeHold.step(), stepName);
    }
    resumeHold = null;
    try {
      boundedHold(total, stepName, check == null ? null : checkEvery, check, resumed);
    } finally {
      currentHold = null;
      gate.notHolding();
    }
  }

  /** Whether this run's holds are bounded ({@link #BOUNDED_HOLDS}); older runs hold as before. */
  private boolean boundedHolds() {
    if (holdsVersion == null) {
      holdsVersion = Workflow.getVersion(BOUNDED_HOLDS, Workflow.DEFAULT_VERSION, 1);
    }
    return holdsVersion >= 1;
  }

  private void boundedHold(
      Duration total, String stepName, Duration checkEvery, Runnable check, HoldState resumed) {
    long totalMillis = total.toMillis();
    long remaining = resumed != null ? resumed.remainingMillis() : totalMillis;
    long elapsed = resumed != null ? resumed.elapsedMillis() : 0;
    int checks = resumed != null ? resumed.checks() : 0;
    long every = checkEvery == null ? 0 : Math.max(1, checkEvery.toMillis());
    // checks on the grid strictly inside the hold: the gate before the step reads at its end
    long planned = every == 0 ? 0 : Math.max(0, (totalMillis - 1) / every);
    while (remaining > 0) {
      currentHold = new HoldState(stepName, remaining, elapsed, checks);
      if (gate.isAborted()) {
        throw new Stop(StopCause.ABORT, gate.abortReason());
      }
      if (gate.isPaused()) {
        gate.holding(remaining, 0);
        publish();
        Workflow.await(() -> !gate.isPaused() || gate.isAborted() || historyIsLarge());
        if (gate.isPaused() && !gate.isAborted()) {
          continueAsNewInHold(); // only returns when the kind cannot continue as new now
          Workflow.await(() -> !gate.isPaused() || gate.isAborted());
        }
        continue;
      }
      if (historyIsLarge()) {
        continueAsNewInHold();
      }
      long untilCheck = every == 0 ? remaining : (elapsed / every + 1) * every - elapsed;
      long slice = Math.min(remaining, untilCheck);
      long start = Workflow.currentTimeMillis();
      gate.holding(remaining, start + remaining);
      publish(); // the details say when the next step comes, refreshed at every check
      String summary =
          every == 0 || slice == remaining
              ? stepName + " (" + Words.duration(Duration.ofMillis(remaining)) + " left)"
              : "check " + (checks + 1) + " of " + planned + ", " + stepName;
      boolean interrupted = gate.sleep(Duration.ofMillis(slice), summary);
      long spent =
          interrupted ? Math.min(slice, Math.max(0, Workflow.currentTimeMillis() - start)) : slice;
      elapsed += spent;
      remaining -= spent;
      if (interrupted || check == null || gate.isAborted() || remaining <= 0) {
        continue;
      }
      checks++;
      currentHold = new HoldState(stepName, remaining, elapsed, checks);
      long checkStart = Workflow.currentTimeMillis();
      int pausesBefore = gate.pauses();
      check.run();
      if (gate.pauses() == pausesBefore) {
        // the check's own time is hold time: the next check stays on the grid
        long took = Math.min(remaining, Math.max(0, Workflow.currentTimeMillis() - checkStart));
        elapsed += took;
        remaining -= took;
      }
    }
    if (gate.isAborted()) {
      throw new Stop(StopCause.ABORT, gate.abortReason());
    }
  }

  /**
   * Continues as new in the middle of a hold, carrying it ({@link #carry()} holds it), when the
   * kind can ({@link ReleaseKind#nextRun} not null); returns when it cannot now.
   */
  private void continueAsNewInHold() {
    continueAsNew();
  }

  /**
   * Remembers a gate's background-analysis counts so that they are carried across a continue-as-new
   * in the middle of a hold.
   *
   * @param key names the gate among the kind's gates (stable across runs)
   * @return the counts carried from the previous run for this gate, once; empty otherwise
   */
  public List<CheckCount> carryCounters(String key, Supplier<List<CheckCount>> counts) {
    counterSources.put(key, counts);
    List<CheckCount> carried = carriedCounters.remove(key);
    return carried == null ? List.of() : carried;
  }

  /** Which check of the current hold is running (1 for the first); carried across runs. */
  public int holdCheck() {
    return currentHold == null ? 0 : currentHold.checks();
  }

  /** Whether a hold is running (a continue-as-new now would carry it). */
  public boolean inHold() {
    return currentHold != null;
  }

  /** Whether this run resumes a hold carried from the previous run (not yet reached). */
  public boolean resumesHold() {
    return resumeHold != null;
  }

  /** Waits without changing the phase (e.g. between guardrail measurements); frozen by pause. */
  public void wait(Duration d, String summary) {
    if (gate.hold(d, null, null, summary, legacy()) == HoldOutcome.ABORTED) {
      throw new Stop(StopCause.ABORT, gate.abortReason());
    }
  }

  /** Waits until {@code atMillis} (SCHEDULED); an abort ends it. */
  public void scheduled(long atMillis) {
    long wait = atMillis - Workflow.currentTimeMillis();
    if (wait > 0) {
      enter(Phase.SCHEDULED, "starts at " + Instant.ofEpochMilli(atMillis));
      if (gate.hold(Duration.ofMillis(wait), null, null, "scheduled start", legacy())
          == HoldOutcome.ABORTED) {
        throw new Stop(StopCause.ABORT, gate.abortReason());
      }
    }
  }

  /** Waits for {@code policy.required()} distinct approvals (AWAITING_APPROVAL). */
  public void awaitApprovals(String gateName, ApprovalPolicy policy) {
    enter(Phase.AWAITING_APPROVAL, gateName);
    if (!gate.awaitApprovals(gateName, policy)) {
      throw new Stop(StopCause.ABORT, gate.abortReason());
    }
  }

  /** Waits while paused (PAUSED); an abort ends it. */
  public void awaitRunning() {
    if (gate.isPaused()) {
      enter(Phase.PAUSED, step);
    }
    if (!gate.awaitNotPaused()) {
      throw new Stop(StopCause.ABORT, gate.abortReason());
    }
  }

  /**
   * Pauses on the workflow's own account (a failed or inconclusive gate).
   *
   * @param publish publish now; a gate that waits for the resume next publishes then
   */
  public void pauseBySystem(String reason, boolean publish) {
    gate.pauseBySystem(reason);
    if (publish) {
      publish();
    }
  }

  /** Starts paused on the initiator's request: nothing changes until someone resumes. */
  public void startPaused(String by, String reason) {
    gate.applyPause(new OperatorCommand(by, reason));
    publish();
  }

  /** Appends to the audit log (asynchronously; flushed before the release ends). */
  public void record(String actor, String action, String details) {
    gate.record(actor, action, details);
  }

  /** The audit time of a row an activity writes for this release, in order with {@link #record}. */
  public long auditTime() {
    return gate.nextAuditMillis();
  }

  // ---- continue-as-new and step keys ----

  /** Whether the history is long enough to continue as new. */
  public boolean historyIsLarge() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > continueAsNewAfterEvents;
  }

  /** Continue as new after this many events instead of {@value #CONTINUE_AS_NEW_AFTER_EVENTS}. */
  public void continueAsNewAfter(int events) {
    this.continueAsNewAfterEvents = events;
  }

  /**
   * Continues as new with the kind's {@link ReleaseKind#nextRun()}: first waits for audit writes
   * and running handlers (an update that arrives meanwhile is applied before the next input is
   * taken, so nothing an operator did is lost), then takes the input and continues at once. Returns
   * without continuing when the kind declines (null).
   */
  public void continueAsNew() {
    gate.flushAudit();
    if (gate.isAborted()) {
      return; // the abort's compensation runs in this run
    }
    Object next = hooks.nextRun();
    if (next == null) {
      return;
    }
    log.info("continuing as new after {} events", Workflow.getInfo().getHistoryLength());
    Workflow.continueAsNew(next);
  }

  /** The kit's state for the next run. */
  public ReleaseState carry() {
    Map<String, List<CheckCount>> counters = new LinkedHashMap<>();
    if (currentHold != null) {
      counterSources.forEach((key, counts) -> counters.put(key, counts.get()));
    }
    return new ReleaseState(
        gate.status(), startedAtMillis, generation + 1, saga, currentHold, counters);
  }

  /**
   * Idempotency key of a side effect: the workflow id names the target, the first run id tells this
   * release from an earlier one of the same target and stays the same across continue-as-new.
   */
  public String stepKey(String stepName) {
    return Workflow.getInfo().getWorkflowId()
        + "/"
        + Workflow.getInfo().getFirstExecutionRunId()
        + "/"
        + stepName;
  }

  /**
   * True for runs whose history was recorded before the release kit: they keep its commands (an
   * upsert per publication, sliced hold timers) so that they replay.
   */
  public boolean legacy() {
    if (version == null) {
      version = Workflow.getVersion(KIT_CHANGE, Workflow.DEFAULT_VERSION, 1);
    }
    return version == Workflow.DEFAULT_VERSION;
  }

  // ---- operator actions ----

  /** Handles an operator verb from an update: a refusal is recorded and thrown as REFUSED. */
  public String approve(Approval approval) {
    return act(ReleaseControls.APPROVE, approval, true);
  }

  public String operate(String verb, OperatorCommand command) {
    return act(verb, command, true);
  }

  private String act(String verb, Object argument, boolean fromUpdate) {
    String actor =
        argument instanceof Approval a
            ? a.by()
            : argument instanceof OperatorCommand c ? c.by() : null;
    String refusal =
        phase.isTerminal() && !legacy()
            ? "the release has ended (" + phase + ")"
            : switch (verb) {
              case ReleaseControls.APPROVE -> gate.checkApprove((Approval) argument);
              case ReleaseControls.PAUSE -> gate.checkPause((OperatorCommand) argument);
              case ReleaseControls.RESUME -> gate.checkResume((OperatorCommand) argument);
              default -> gate.checkAbort((OperatorCommand) argument);
            };
    if (refusal == null) {
      refusal = hooks.refuse(verb);
    }
    if (refusal != null) {
      gate.reject(verb, actor, refusal);
      if (fromUpdate) {
        throw FailureType.REFUSED.permanent(refusal);
      }
      return refusal;
    }
    String result =
        switch (verb) {
          case ReleaseControls.APPROVE -> gate.applyApprove((Approval) argument);
          case ReleaseControls.PAUSE -> gate.applyPause((OperatorCommand) argument);
          case ReleaseControls.RESUME -> gate.applyResume((OperatorCommand) argument);
          default -> gate.applyAbort((OperatorCommand) argument);
        };
    if (gate.isAborted()) {
      // the kill switch starts from the handler, without waiting for the main loop to wake
      startCompensation(StopCause.ABORT);
    }
    publish();
    return result;
  }

  /**
   * Registers a verb of the kind's own (call it from the kind's constructor, before any handler
   * runs). Its signal is declared on the kind's workflow interface with a {@code RawValue} payload
   * and forwarded to {@link #signal}; its update calls {@link #act(String, Object)}.
   *
   * @param name the signal's name (also the audit action and the refusal line's verb)
   * @param type the payload's record
   * @param example a payload as it should be sent, quoted in a malformed payload's refusal
   * @param since the {@code Workflow.getVersion} change id that brought the signal, or null when it
   *     came with the kind: a run recorded before it refuses the signal as unknown, as it did then
   */
  public <T> void verb(String name, Class<T> type, String example, String since, KindVerb<T> verb) {
    verbs.put(name, new Registered<>(type, example, since, verb));
  }

  /**
   * Handles a kind's verb from an update: the kit's check (the release has ended), then the kind's
   * {@link KindVerb#refuse}; a refusal is audited and thrown as REFUSED, else it is applied.
   */
  public <T> String act(String name, T argument) {
    @SuppressWarnings("unchecked")
    Registered<T> r = (Registered<T>) verbs.get(name);
    return actKind(name, r.verb(), argument, true);
  }

  private <T> String actKind(String name, KindVerb<T> verb, T argument, boolean fromUpdate) {
    String refusal =
        phase.isTerminal() ? "the release has ended (" + phase + ")" : verb.refuse(argument);
    if (refusal != null) {
      gate.reject(name, argument == null ? null : verb.by(argument), refusal);
      if (fromUpdate) {
        throw FailureType.REFUSED.permanent(refusal);
      }
      return refusal;
    }
    String result = verb.apply(argument);
    publish();
    return result;
  }

  /** A kind's verb from a signal, with its payload decoded or refused as malformed. */
  private <T> void signalKind(String name, Registered<T> r, EncodedValues args) {
    T argument;
    try {
      argument = args.get(0, r.type());
    } catch (DataConverterException e) {
      gate.reject(name, null, "malformed " + name + " payload (expected " + r.example() + ")");
      return;
    }
    actKind(name, r.verb(), argument, false);
  }

  private boolean knows(String name) {
    Registered<?> r = verbs.get(name);
    return r != null
        && (r.since() == null
            || Workflow.getVersion(r.since(), Workflow.DEFAULT_VERSION, 1)
                != Workflow.DEFAULT_VERSION);
  }

  /** A named signal (a kit or kind verb) with its payload as sent, checked like an update. */
  public void signal(String name, RawValue payload) {
    Optional<Payloads> payloads =
        payload == null || payload.getPayload() == null
            ? Optional.empty()
            : Optional.of(Payloads.newBuilder().addPayloads(payload.getPayload()).build());
    onSignal(name, new EncodedValues(payloads, DefaultDataConverter.STANDARD_INSTANCE));
  }

  /**
   * Signals: the four verbs and the kind's own, checked like updates; malformed or unknown ones are
   * refused.
   */
  private void onSignal(String name, EncodedValues args) {
    Class<?> type =
        switch (name) {
          case ReleaseControls.APPROVE -> Approval.class;
          case ReleaseControls.PAUSE, ReleaseControls.RESUME, ReleaseControls.ABORT ->
              OperatorCommand.class;
          default -> null;
        };
    if (type == null && knows(name)) {
      signalKind(name, verbs.get(name), args);
      return;
    }
    if (type == null && verbs.containsKey(name)) {
      gate.reject(
          name, null, "this run started before the '" + name + "' signal: send the update instead");
      return;
    }
    if (type == null) {
      List<String> known = new ArrayList<>(List.of("approve", "pause", "resume", "abort"));
      known.addAll(verbs.keySet());
      gate.reject(name, null, "unknown signal '" + name + "' (" + String.join(", ", known) + ")");
      return;
    }
    Object argument;
    try {
      argument = args.get(0, type);
    } catch (DataConverterException e) {
      gate.reject(
          name,
          null,
          "malformed "
              + name
              + " payload (expected "
              + (type == Approval.class
                  ? "{\"by\": \"you\", \"comment\": \"...\"}"
                  : "{\"by\": \"you\", \"reason\": \"...\"}")
              + ")");
      return;
    }
    act(name, argument, false);
  }

  // ---- status ----

  /** The phase shown: PAUSED while paused, unless the release has ended. */
  public Phase shownPhase() {
    return !phase.isTerminal() && gate.isPaused() ? Phase.PAUSED : phase;
  }

  public boolean isPaused() {
    return gate.isPaused();
  }

  public String outcome() {
    return outcome;
  }

  public long startedAtMillis() {
    return startedAtMillis;
  }

  public GateView gateView() {
    return GateView.of(gate.status());
  }

  public GateStatus gateStatus() {
    return gate.status();
  }

  /** The {@code release} query's answer. */
  public ReleaseStatus status() {
    GateStatus g = gate.status();
    return new ReleaseStatus(
        kind,
        target,
        shownPhase(),
        step,
        hooks.progress(),
        hooks.position(),
        phase.isTerminal() ? null : hooks.next(),
        g.holdEndsAtMillis() > 0 ? Instant.ofEpochMilli(g.holdEndsAtMillis()) : null,
        Instant.ofEpochMilli(startedAtMillis),
        details(),
        GateView.of(g),
        outcome);
  }

  /** Publishes search attributes (when changed) and the Web UI details. */
  public void publish() {
    visibility.publish(shownPhase(), hooks.progress(), details(), legacy());
  }

  /**
   * The Web UI details, in words: what the release is doing, what is pending and when. For example
   * "5 % at 02:18 UTC, in 51m", "waiting for 2 approvals ...", "paused by bob: 51m of hold left".
   */
  String details() {
    GateStatus g = gate.status();
    Phase shown = shownPhase();
    StringBuilder d = new StringBuilder();
    d.append("**")
        .append(kind)
        .append(' ')
        .append(target)
        .append("** · ")
        .append(shown)
        .append(" · ")
        .append(hooks.position());
    if (shown.isTerminal()) {
      if (outcome != null) {
        d.append("\n\n").append(outcome);
      }
      return d.toString();
    }
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    String next = hooks.next();
    if (g.paused()) {
      d.append("\n\npaused by ").append(g.pausedBy());
      if (g.pauseReason() != null && !g.pauseReason().isBlank()) {
        d.append(" (").append(g.pauseReason()).append(')');
      }
      if (g.holdRemainingMillis() > 0) {
        d.append(": ")
            .append(Words.duration(Duration.ofMillis(g.holdRemainingMillis())))
            .append(" of hold left");
      }
      d.append("; resume or abort to go on");
    } else if (g.pending() != null) {
      PendingApproval p = g.pending();
      d.append("\n\nwaiting for ")
          .append(Words.count(p.required() - p.received().size(), "approval"))
          .append(" (")
          .append(p.gate())
          .append(")");
      if (!p.received().isEmpty()) {
        d.append("; approved by ")
            .append(String.join(", ", p.received().stream().map(r -> r.by()).toList()));
      }
      if (!p.initiatorMayApprove()) {
        d.append("; the initiator (").append(g.initiator()).append(") may not approve");
      }
    } else if (next != null && g.holdEndsAtMillis() > 0) {
      d.append("\n\nnext: ")
          .append(next)
          .append(" at ")
          .append(Words.when(Instant.ofEpochMilli(g.holdEndsAtMillis()), now));
    } else if (step != null) {
      d.append("\n\n").append(step);
    }
    return d.toString();
  }
}
