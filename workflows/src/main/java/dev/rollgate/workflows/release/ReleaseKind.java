package dev.rollgate.workflows.release;

import io.temporal.workflow.Promise;

/** What the kit asks of a kind: where it is, and how to undo one of its changes. */
public interface ReleaseKind {
  /** Progress 0..100 for the {@code RollgateProgress} search attribute. */
  double progress();

  /** Where the release is, in words: {@code "5 % (step 2 of 5)"}. */
  String position();

  /** What the next step does, in words ({@code "25 %"}), or null when no step is left. */
  String next();

  /**
   * Why the kind cannot honour {@code verb} (a {@link ReleaseControls} verb) in its current step,
   * in one line, or null when it can. Consulted after the kit's own checks; a refusal is audited
   * and answered like the kit's (e.g. a backup refuses a pause while its dump is the last step).
   */
  default String refuse(String verb) {
    return null;
  }

  /**
   * Starts undoing one change, in workflow code: start its activities with {@code
   * Async.function(stub::method, ...)} so they are issued at once (an abort's kill switch starts
   * from the abort handler). The promise completes with what was done, in words, for the outcome
   * and the audit log. Must be idempotent (use {@link Release#stepKey}): it may run again after a
   * crash or a cancellation during an abort.
   *
   * @param reason why the release stops, for the change's audit trail
   */
  Promise<String> undo(Undo change, StopCause cause, String reason);

  /**
   * The input of the next run when the release continues as new in the middle of a hold, carrying
   * {@link Release#carry()} (which holds the hold's remaining time, grid, check counts and every
   * operator state) and everything the kind needs to resume inside that step; the next run's first
   * hold of the same step name resumes it ({@link Release#resumesHold()} tells the kind to skip
   * what it did before the hold). Null when the kind cannot continue as new now (e.g. an activity
   * it started is still running): the hold goes on and asks again at its next check.
   */
  default Object nextRun() {
    return null;
  }
}
