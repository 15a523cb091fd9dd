package dev.rollgate.activities.deploy;

import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Kayenta's comparison of two groups of samples: a two-sided Mann-Whitney U test (commons-math3,
 * normal approximation) and Cliff's delta as the effect size.
 */
final class CanaryStatistics {
  private CanaryStatistics() {}

  /**
   * @param pValue two-sided Mann-Whitney p-value
   * @param effect Cliff's delta, P(canary &gt; baseline) - P(canary &lt; baseline), from -1 to 1:
   *     positive when the canary's values are higher; equal to the rank-biserial correlation
   */
  record Comparison(double pValue, double effect) {}

  static Comparison compare(double[] canary, double[] baseline) {
    if (canary.length == 0 || baseline.length == 0) {
      throw new IllegalArgumentException("both groups need samples");
    }
    double p = new MannWhitneyUTest().mannWhitneyUTest(canary, baseline);
    if (Double.isNaN(p)) {
      p = 1; // every value tied: no difference
    }
    return new Comparison(p, cliffsDelta(canary, baseline));
  }

  /** From the canary's U (pairs where the canary is higher, ties counting half): 2U/(n1 n2) - 1. */
  static double cliffsDelta(double[] canary, double[] baseline) {
    double[] all = new double[canary.length + baseline.length];
    System.arraycopy(canary, 0, all, 0, canary.length);
    System.arraycopy(baseline, 0, all, canary.length, baseline.length);
    double[] ranks = new NaturalRanking(NaNStrategy.FIXED, TiesStrategy.AVERAGE).rank(all);
    double canaryRanks = 0;
    for (int i = 0; i < canary.length; i++) {
      canaryRanks += ranks[i];
    }
    double n1 = canary.length;
    double n2 = baseline.length;
    double u = canaryRanks - n1 * (n1 + 1) / 2;
    return 2 * u / (n1 * n2) - 1;
  }
}
