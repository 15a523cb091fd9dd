package dev.rollgate.workflows.deploy;

import java.time.Duration;

/**
 * One stage of a deployment: shift the new version's traffic share to {@code weight} %, then hold
 * for {@code hold} while it is analysed.
 *
 * @param weight the new version's share, 1..100
 * @param hold how long the stage is held (paused time does not count); zero for none
 */
public record Stage(int weight, Duration hold) {
  /** {@code 25 %}. */
  public String label() {
    return weight + " %";
  }

  /** Null when well formed (weight 1..100, hold not negative), else one line. */
  public String problem() {
    if (weight < 1 || weight > 100) {
      return "stage weight " + weight + " is outside 1-100";
    }
    if (hold == null || hold.isNegative()) {
      return "the hold of stage " + label() + " must not be negative";
    }
    return null;
  }
}
