package dev.rollgate.workflows.release;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * The retry policies every kind's activities share, in one place: a step retries a few times with
 * backoff, then fails the step (and the kind's saga undoes what it did); an undo retries until it
 * is done within a bound, else the release fails loudly ({@code COMPENSATION_FAILED}), never
 * reporting a rollback that did not happen. Options are not part of a workflow's history commands,
 * so changing them here does not break replay.
 */
public final class StepRetries {
  /** A step: 1 s, doubling to 30 s, 5 attempts. */
  public static final RetryOptions STEP =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(5)
          .build();

  private StepRetries() {}

  /**
   * Options for an undo: each attempt may take {@code attempt}, retried with {@link #STEP}'s
   * backoff and no attempt limit until done within {@code within}.
   */
  public static ActivityOptions.Builder untilDone(Duration attempt, Duration within) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(attempt)
        .setScheduleToCloseTimeout(within)
        .setRetryOptions(STEP.toBuilder().setMaximumAttempts(0).build());
  }
}
