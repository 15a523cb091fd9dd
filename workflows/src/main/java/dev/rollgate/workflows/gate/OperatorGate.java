package dev.rollgate.workflows.gate;

import dev.rollgate.workflows.audit.AuditActivities;
import dev.rollgate.workflows.audit.AuditEntry;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Approvals, pause/resume and abort, written once for every Rollgate workflow. Lives inside a
 * workflow: all waiting uses durable timers and {@link Workflow#await}, so it is deterministic.
 *
 * <p>Validation ({@code check*}) never changes state; {@code apply*} assumes the check passed.
 * Every accepted action, and every refused signal, is written to the audit log.
 */
public final class OperatorGate {
  /** The actor name used when the workflow itself changes state. */
  public static final String SYSTEM = "rollgate";

  private static final int MAX_REJECTIONS_KEPT = 10;
  private static final Logger log = Workflow.getLogger(OperatorGate.class);

  private final String workflowId;
  private final String initiator;
  private final AuditActivities audit;
  private final List<Promise<Void>> pendingAudits = new ArrayList<>();

  private boolean paused;
  private String pausedBy;
  private String pauseReason;
  private long holdRemainingMillis;
  private long holdEndsAtMillis;
  private PendingApproval pending;
  private final List<RecordedApproval> approvals = new ArrayList<>();
  private boolean aborted;
  private String abortedBy;
  private String abortReason;
  private final List<String> rejected = new ArrayList<>();
  private long lastAuditMillis;
  private int pauses;

  /**
   * @param initiator who started the workflow
   * @param carried state from before a continue-as-new, or null
   */
  public OperatorGate(String initiator, GateStatus carried) {
    this.workflowId = Workflow.getInfo().getWorkflowId();
    this.initiator = initiator;
    this.audit =
        Workflow.newActivityStub(
            AuditActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder().setMaximumInterval(Duration.ofMinutes(1)).build())
                .build());
    if (carried != null) {
      paused = carried.paused();
      pausedBy = carried.pausedBy();
      pauseReason = carried.pauseReason();
      holdRemainingMillis = carried.holdRemainingMillis();
      pending = carried.pending();
      approvals.addAll(carried.approvals());
      aborted = carried.aborted();
      abortedBy = carried.abortedBy();
      abortReason = carried.abortReason();
      rejected.addAll(carried.rejected());
    }
  }

  // ---- validation: returns null when the action is acceptable, else the reason ----

  public String checkApprove(Approval approval) {
    if (approval == null || blank(approval.by())) {
      return "an approval needs --by (who approves)";
    }
    String tooLong = OperatorText.byProblem("--by", approval.by().trim());
    if (tooLong == null) {
      tooLong = OperatorText.textProblem("--comment", approval.comment());
    }
    if (tooLong != null) {
      return tooLong;
    }
    if (aborted) {
      return "the workflow was aborted by " + abortedBy;
    }
    if (pending == null) {
      return "no approval is pending";
    }
    String who = normalise(approval.by());
    if (!pending.initiatorMayApprove() && who.equals(normalise(initiator))) {
      return "refused: " + approval.by().trim() + " started this workflow and may not approve it";
    }
    for (RecordedApproval r : pending.received()) {
      if (normalise(r.by()).equals(who)) {
        return "refused: " + approval.by().trim() + " has already approved " + pending.gate();
      }
    }
    return null;
  }

  public String checkPause(OperatorCommand command) {
    String missing = missingActor(command);
    if (missing != null) {
      return missing;
    }
    if (aborted) {
      return "the workflow was aborted by " + abortedBy;
    }
    return paused ? "already paused by " + pausedBy : null;
  }

  public String checkResume(OperatorCommand command) {
    String missing = missingActor(command);
    if (missing != null) {
      return missing;
    }
    if (aborted) {
      return "the workflow was aborted by " + abortedBy;
    }
    return paused ? null : "not paused";
  }

  public String checkAbort(OperatorCommand command) {
    String missing = missingActor(command);
    if (missing != null) {
      return missing;
    }
    if (blank(command.reason())) {
      return "an abort needs a reason (--reason)";
    }
    return aborted ? "already aborted by " + abortedBy : null;
  }

  // ---- accepted actions ----

  public String applyApprove(Approval approval) {
    RecordedApproval recorded =
        new RecordedApproval(
            pending.gate(), approval.by().trim(), approval.comment(), Workflow.currentTimeMillis());
    List<RecordedApproval> received = new ArrayList<>(pending.received());
    received.add(recorded);
    pending =
        new PendingApproval(
            pending.gate(), pending.required(), pending.initiatorMayApprove(), received);
    approvals.add(recorded);
    String summary =
        "approved " + pending.gate() + " (" + received.size() + " of " + pending.required() + ")";
    record(recorded.by(), "approve", summary + commentSuffix(approval.comment()));
    return summary;
  }

  public String applyPause(OperatorCommand command) {
    pause(command.by().trim(), command.reason());
    return "paused" + (holdRemainingMillis > 0 ? "; hold time left is frozen" : "");
  }

  public String applyResume(OperatorCommand command) {
    paused = false;
    record(command.by().trim(), "resume", "resumed" + commentSuffix(command.reason()));
    pausedBy = null;
    pauseReason = null;
    return "resumed";
  }

  public String applyAbort(OperatorCommand command) {
    aborted = true;
    abortedBy = command.by().trim();
    abortReason = command.reason();
    record(abortedBy, "abort", "aborted: " + abortReason);
    return "aborted";
  }

  /** A signal that failed validation: remembered in the status and the audit log, nothing else. */
  public void reject(String verb, String actor, String reason) {
    String why = reason.startsWith("refused: ") ? reason.substring("refused: ".length()) : reason;
    // an oversized --by is refused; the audit and the status keep only an excerpt of it
    actor =
        blank(actor) || actor.trim().length() <= OperatorText.MAX_BY
            ? actor
            : OperatorText.excerpt(actor);
    String line = verb + " by " + (blank(actor) ? "(unknown)" : actor.trim()) + ": " + why;
    rejected.add(line);
    while (rejected.size() > MAX_REJECTIONS_KEPT) {
      rejected.remove(0);
    }
    log.info("signal refused: {}", line);
    record(blank(actor) ? "(unknown)" : actor.trim(), verb + "-refused", why);
  }

  /** The workflow pauses itself, e.g. on a guardrail breach or an inconclusive reading. */
  public void pauseBySystem(String reason) {
    if (!paused) {
      pause(SYSTEM, reason);
    }
  }

  private void pause(String by, String reason) {
    paused = true;
    pausedBy = by;
    pauseReason = reason;
    pauses++;
    if (holdEndsAtMillis > 0) {
      // what is left now, not when the hold's current timer started: the status is exact at once
      holdRemainingMillis = Math.max(0, holdEndsAtMillis - Workflow.currentTimeMillis());
    }
    holdEndsAtMillis = 0;
    record(by, "pause", "paused" + commentSuffix(reason));
  }

  // ---- waiting ----

  /**
   * Waits until {@code policy.required()} distinct people approved {@code gateName}, or the
   * workflow is aborted. Approvals may arrive while paused; the gate passes only when not paused.
   *
   * @return true when approved, false when aborted
   */
  public boolean awaitApprovals(String gateName, ApprovalPolicy policy) {
    pending =
        new PendingApproval(gateName, policy.required(), policy.initiatorMayApprove(), List.of());
    record(SYSTEM, "approval-requested", gateName + " needs " + policy.required() + " approval(s)");
    Workflow.await(() -> aborted || (!paused && pending.received().size() >= pending.required()));
    pending = null;
    return !aborted;
  }

  /** Outcome of a {@link #hold}. */
  public enum HoldOutcome {
    /** The whole hold elapsed (paused time does not count). */
    ELAPSED,
    /** An abort was accepted. */
    ABORTED
  }

  /**
   * Holds for {@code total} of unpaused time. While paused the remaining time is frozen and shown
   * in the status as a countdown. With a {@code check}, it runs every {@code checkEvery}; the check
   * may pause the gate (the hold then waits for a resume) or throw to end the hold.
   *
   * @param summary shown on the timer in the Temporal Web UI
   * @param legacy hold the way rollouts started before the release kit did (timers cut into {@code
   *     checkEvery} slices even without a check, and left running when interrupted), so that their
   *     recorded histories replay
   */
  public HoldOutcome hold(
      Duration total, Duration checkEvery, Runnable check, String summary, boolean legacy) {
    long remaining = total.toMillis();
    boolean sliced = checkEvery != null && (legacy || check != null);
    try {
      while (remaining > 0) {
        if (aborted) {
          return HoldOutcome.ABORTED;
        }
        if (paused) {
          holdRemainingMillis = remaining;
          holdEndsAtMillis = 0;
          Workflow.await(() -> !paused || aborted);
          continue;
        }
        long slice = sliced ? Math.min(remaining, checkEvery.toMillis()) : remaining;
        long start = Workflow.currentTimeMillis();
        holdRemainingMillis = remaining;
        holdEndsAtMillis = start + remaining;
        boolean interrupted = sleep(Duration.ofMillis(slice), summary, !legacy);
        long elapsed = Math.max(0, Workflow.currentTimeMillis() - start);
        remaining -= interrupted ? Math.min(elapsed, slice) : slice;
        holdRemainingMillis = Math.max(0, remaining);
        // the hold's last slice needs no check of its own: the gate before the step reads next
        if (!interrupted && check != null && !aborted && (legacy || remaining > 0)) {
          check.run();
        }
      }
      return aborted ? HoldOutcome.ABORTED : HoldOutcome.ELAPSED;
    } finally {
      holdRemainingMillis = 0;
      holdEndsAtMillis = 0;
    }
  }

  /**
   * Sleeps on a durable timer with a summary until it fires or a pause/abort arrives; returns true
   * when interrupted. {@code cancelOnInterrupt} cancels the timer then, so the Web UI shows no
   * timer for a hold that is frozen.
   */
  private boolean sleep(Duration d, String summary, boolean cancelOnInterrupt) {
    TimerOptions options = TimerOptions.newBuilder().setSummary(summary).build();
    if (!cancelOnInterrupt) {
      Promise<Void> timer = Workflow.newTimer(d, options);
      ignoreCancellation(timer);
      Workflow.await(() -> timer.isCompleted() || paused || aborted);
      return !timer.isCompleted();
    }
    CompletablePromise<Void> timer = Workflow.newPromise();
    ignoreCancellation(timer);
    CancellationScope scope =
        Workflow.newCancellationScope(() -> timer.completeFrom(Workflow.newTimer(d, options)));
    scope.run();
    Workflow.await(() -> timer.isCompleted() || paused || aborted);
    boolean interrupted = !timer.isCompleted();
    if (interrupted) {
      scope.cancel(paused ? "paused" : "aborted");
    }
    return interrupted;
  }

  /**
   * A timer an interrupted hold leaves behind fails with a CanceledFailure when it is cancelled or
   * its run ends; nothing waits for it, so the SDK would log "Promise completed with exception and
   * was never accessed" with a stack trace at every pause and continue-as-new. A handler marks it
   * seen (no command: history is unchanged).
   */
  private static void ignoreCancellation(Promise<Void> timer) {
    timer.exceptionally(e -> null);
  }

  /**
   * Sleeps on a durable timer with a summary until it fires or a pause/abort arrives; returns true
   * when interrupted (the timer is then cancelled, so the Web UI shows no timer for a frozen hold).
   */
  public boolean sleep(Duration d, String summary) {
    return sleep(d, summary, true);
  }

  /** A hold is running: {@code remainingMillis} left, ending at {@code endsAtMillis}. */
  public void holding(long remainingMillis, long endsAtMillis) {
    holdRemainingMillis = remainingMillis;
    holdEndsAtMillis = endsAtMillis;
  }

  /** No hold is running. */
  public void notHolding() {
    holdRemainingMillis = 0;
    holdEndsAtMillis = 0;
  }

  /** How many times the release was paused so far in this run (a check can tell it paused). */
  public int pauses() {
    return pauses;
  }

  /** Waits while paused; returns false if aborted meanwhile. */
  public boolean awaitNotPaused() {
    Workflow.await(() -> !paused || aborted);
    return !aborted;
  }

  // ---- state ----

  public boolean isAborted() {
    return aborted;
  }

  public boolean isPaused() {
    return paused;
  }

  public String abortedBy() {
    return abortedBy;
  }

  public String abortReason() {
    return abortReason;
  }

  public String initiator() {
    return initiator;
  }

  public GateStatus status() {
    return new GateStatus(
        initiator,
        paused,
        pausedBy,
        pauseReason,
        holdRemainingMillis,
        holdEndsAtMillis,
        pending,
        List.copyOf(approvals),
        aborted,
        abortedBy,
        abortReason,
        List.copyOf(rejected));
  }

  // ---- audit ----

  /** Appends to the audit log without blocking the caller; {@link #flushAudit} waits for it. */
  public void record(String actor, String action, String details) {
    nextAuditMillis();
    AuditEntry entry =
        new AuditEntry(
            workflowId + "/" + Workflow.randomUUID(),
            workflowId,
            actor,
            action,
            details,
            lastAuditMillis);
    pendingAudits.add(Async.procedure(audit::record, entry));
  }

  /**
   * The time of the next audit entry: strictly increasing within a run, so the log reads in the
   * order the workflow acted. Also for rows that an activity writes on the workflow's behalf (a
   * flag change), which would otherwise carry the worker's clock.
   */
  public long nextAuditMillis() {
    lastAuditMillis = Math.max(Workflow.currentTimeMillis(), lastAuditMillis + 1);
    return lastAuditMillis;
  }

  /**
   * Waits until every audit entry is written and every handler has finished, including those that
   * ran while it waited; call before the workflow returns or continues as new.
   */
  public void flushAudit() {
    while (true) {
      Workflow.await(Workflow::isEveryHandlerFinished);
      if (pendingAudits.isEmpty()) {
        return;
      }
      List<Promise<Void>> all = new ArrayList<>(pendingAudits);
      pendingAudits.clear();
      Promise.allOf(all).get();
    }
  }

  /** A missing or oversized --by, or an oversized --reason: the command's own problems. */
  private static String missingActor(OperatorCommand command) {
    if (command == null || blank(command.by())) {
      return "--by (who is acting) is required";
    }
    String tooLong = OperatorText.byProblem("--by", command.by().trim());
    return tooLong != null ? tooLong : OperatorText.textProblem("--reason", command.reason());
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String normalise(String identity) {
    return identity == null ? "" : identity.trim().toLowerCase(Locale.ROOT);
  }

  private static String commentSuffix(String comment) {
    return blank(comment) ? "" : ": " + comment;
  }
}
