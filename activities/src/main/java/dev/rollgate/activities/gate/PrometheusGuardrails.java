package dev.rollgate.activities.gate;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailActivities;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.Verdict;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Guardrails read from the Prometheus HTTP API ({@code /api/v1/query}). */
public class PrometheusGuardrails implements GuardrailActivities {
  private final PrometheusClient prometheus;
  private final Clock clock;

  public PrometheusGuardrails(URI baseUrl, Clock clock) {
    this(new PrometheusClient(baseUrl), clock);
  }

  public PrometheusGuardrails(PrometheusClient prometheus, Clock clock) {
    this.prometheus = prometheus;
    this.clock = clock;
  }

  @Override
  public List<GuardrailReading> check(List<Guardrail> guardrails) {
    List<GuardrailReading> readings = new ArrayList<>();
    for (Guardrail g : guardrails) {
      readings.add(read(g));
    }
    return readings;
  }

  @Override
  public void validate(List<Guardrail> guardrails) {
    for (Guardrail g : guardrails) {
      prometheus.requireValid("guardrail '" + g.name() + "'", g.query());
    }
  }

  GuardrailReading read(Guardrail g) {
    long now = clock.millis();
    PrometheusClient.Answer answer;
    try {
      answer = prometheus.instant(g.query(), null);
    } catch (IOException e) {
      return new GuardrailReading(
          g.name(),
          Verdict.INCONCLUSIVE,
          null,
          "Prometheus unreachable: " + FailureType.rootMessage(e),
          now,
          true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new GuardrailReading(g.name(), Verdict.INCONCLUSIVE, null, "interrupted", now, true);
    }
    if (answer.error() != null) {
      return new GuardrailReading(
          g.name(), Verdict.INCONCLUSIVE, null, "query error: " + answer.error(), now, true);
    }
    Double value = answer.value();
    if (value == null || value.isNaN()) {
      return new GuardrailReading(g.name(), Verdict.INCONCLUSIVE, value, "no data", now);
    }
    boolean pass = g.comparison().holds(value, g.threshold());
    String detail =
        PrometheusClient.number(value)
            + (pass ? " " : " not ")
            + g.comparison().symbol()
            + " "
            + PrometheusClient.number(g.threshold());
    return new GuardrailReading(g.name(), pass ? Verdict.PASS : Verdict.FAIL, value, detail, now);
  }
}
