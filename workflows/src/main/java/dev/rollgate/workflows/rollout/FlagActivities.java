package dev.rollgate.workflows.rollout;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The flag store as rollouts see it. */
@ActivityInterface
public interface FlagActivities {
  /**
   * Reads a flag. Fails non-retryably with {@code NOT_FOUND} when it does not exist and {@code
   * INVALID_INPUT} when the name is invalid.
   */
  @ActivityMethod(name = "DescribeFlag")
  FlagState describe(String flag);

  /**
   * Applies a change, writing a new flag version and publishing it to every client. Idempotent:
   * {@link FlagChange#idempotencyKey()} is the key; a change already applied returns the state it
   * produced without writing again.
   */
  @ActivityMethod(name = "ApplyFlagChange")
  FlagState apply(FlagChange change);
}
