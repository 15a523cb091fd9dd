package dev.rollgate.workflows.deploy;

/**
 * Traffic shares in percent; they add up to 100.
 *
 * @param stable the stable (live) side's share
 * @param canary the canary (new) side's share
 */
public record TrafficSplit(int stable, int canary) {
  public static TrafficSplit canaryAt(int percent) {
    return new TrafficSplit(100 - percent, percent);
  }

  public static final TrafficSplit ALL_STABLE = new TrafficSplit(100, 0);

  public String problem() {
    if (stable < 0 || canary < 0 || stable + canary != 100) {
      return "traffic shares must be 0-100 and add up to 100 (got " + stable + "/" + canary + ")";
    }
    return null;
  }

  @Override
  public String toString() {
    return stable + "/" + canary;
  }
}
