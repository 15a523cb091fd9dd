package dev.rollgate.workflows.testing.dial;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

@ActivityInterface
public interface DialActivities {
  /** Sets the dial; idempotent by {@code key}. Returns the value now set. */
  @ActivityMethod(name = "SetDial")
  int set(String dial, int value, String key);
}
