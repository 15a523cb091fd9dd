package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CanaryStatisticsTest {
  private static double[] normal(Random r, int n, double mean, double sd) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = mean + sd * r.nextGaussian();
    }
    return v;
  }

  @Test
  void aClearlyHigherCanaryHasATinyPValueAndAPositiveEffect() {
    Random r = new Random(1);
    var cmp = CanaryStatistics.compare(normal(r, 60, 0.12, 0.01), normal(r, 60, 0.05, 0.01));
    assertThat(cmp.pValue()).isLessThan(1e-10);
    assertThat(cmp.effect()).isEqualTo(1.0);
  }

  @Test
  void aLowerCanaryHasANegativeEffect() {
    Random r = new Random(2);
    var cmp = CanaryStatistics.compare(normal(r, 60, 0.05, 0.01), normal(r, 60, 0.12, 0.01));
    assertThat(cmp.effect()).isEqualTo(-1.0);
  }

  @Test
  void theSameDistributionShowsNoDifference() {
    Random r = new Random(3);
    var cmp = CanaryStatistics.compare(normal(r, 200, 0.05, 0.01), normal(r, 200, 0.05, 0.01));
    assertThat(cmp.pValue()).isGreaterThan(0.02);
    assertThat(Math.abs(cmp.effect())).isLessThan(0.25);
  }

  @Test
  void cliffsDeltaCountsPairsAndHalfTies() {
    // pairs (c > b): 3>1, 3>2, 2>1 = 3; ties: 2=2 counts half -> U = 3.5 of 4 pairs
    double delta = CanaryStatistics.cliffsDelta(new double[] {3, 2}, new double[] {1, 2});
    assertThat(delta).isCloseTo(2 * 3.5 / 4 - 1, within(1e-12));
  }

  @Test
  void allValuesTiedIsNoDifference() {
    var cmp = CanaryStatistics.compare(new double[] {0, 0, 0}, new double[] {0, 0, 0});
    assertThat(cmp.pValue()).isEqualTo(1.0);
    assertThat(cmp.effect()).isEqualTo(0.0);
  }
}
