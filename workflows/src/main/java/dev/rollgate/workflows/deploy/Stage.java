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
}
