package dev.rollgate.workflows.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GuardrailTest {

  @Test
  void parsesNameQueryComparisonAndThresholdSplittingAtTheLastOperator() {
    Guardrail g = Guardrail.parse("errors: sum(rate(http_total{code=~\"5..\"}[5m])) > 0 < 0.01");

    assertThat(g.name()).isEqualTo("errors");
    assertThat(g.query()).isEqualTo("sum(rate(http_total{code=~\"5..\"}[5m])) > 0");
    assertThat(g.comparison()).isEqualTo(Comparison.LT);
    assertThat(g.threshold()).isEqualTo(0.01);
  }

  @Test
  void comparisonsHoldAsWritten() {
    assertThat(Comparison.LT.holds(0.009, 0.01)).isTrue();
    assertThat(Comparison.LT.holds(0.01, 0.01)).isFalse();
    assertThat(Comparison.LTE.holds(0.01, 0.01)).isTrue();
    assertThat(Comparison.GT.holds(0.99, 0.95)).isTrue();
    assertThat(Comparison.GTE.holds(0.94, 0.95)).isFalse();
  }

  @Test
  void malformedSpecsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Guardrail.parse("sum(rate(x[5m])) < 1")).hasMessageContaining("name");
    assertThatThrownBy(() -> Guardrail.parse("p95: histogram_quantile(0.95, x)"))
        .hasMessageContaining("no comparison");
    assertThatThrownBy(() -> Guardrail.parse("p95: x < fast")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> Guardrail.parse("bad name: x < 1"))
        .hasMessageContaining("letters, digits");
  }

  @Test
  void analysisSettingsThatWouldOutgrowOneRunsHistoryAreRefused() {
    java.time.Duration m = java.time.Duration.ofMinutes(1);
    assertThat(new Analysis(m, java.time.Duration.ZERO, 50, 0, 0, 10, false).problem()).isNull();
    assertThat(new Analysis(m, java.time.Duration.ZERO, 51, 0, 0, 4, false).problem())
        .startsWith("count must be at most 50");
    assertThat(new Analysis(m, java.time.Duration.ZERO, 5, 0, 0, 11, false).problem())
        .isEqualTo("consecutiveErrorLimit must be at most 10");
  }
}
