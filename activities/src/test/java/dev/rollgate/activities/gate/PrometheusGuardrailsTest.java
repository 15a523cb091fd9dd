package dev.rollgate.activities.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.Verdict;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * Verdicts when Prometheus cannot answer. The answers of a real Prometheus (pass, breach, no data,
 * bad PromQL) are exercised end to end in .ci/run against the Debian prometheus package.
 */
class PrometheusGuardrailsTest {
  private final Guardrail errors = new Guardrail("errors", "vector(1)", Comparison.LT, 0.01);

  @Test
  void unreachablePrometheusIsInconclusiveNeverAPass() {
    PrometheusGuardrails guardrails =
        new PrometheusGuardrails(
            URI.create("http://127.0.0.1:" + TestInfra.freePort()), Clock.systemUTC());

    GuardrailReading reading = guardrails.check(java.util.List.of(errors)).get(0);

    assertThat(reading.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(reading.detail()).startsWith("Prometheus unreachable");
  }

  @Test
  void unreachablePrometheusAtStartIsAPermanentUnavailableFailure() {
    PrometheusGuardrails guardrails =
        new PrometheusGuardrails(
            URI.create("http://127.0.0.1:" + TestInfra.freePort()), Clock.systemUTC());

    assertThatThrownBy(() -> guardrails.validate(java.util.List.of(errors)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }
}
