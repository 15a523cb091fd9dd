package dev.rollgate.activities.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailActivities;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Guardrails read from the Prometheus HTTP API ({@code /api/v1/query}). */
public class PrometheusGuardrails implements GuardrailActivities {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI baseUrl;
  private final HttpClient http;
  private final Clock clock;

  public PrometheusGuardrails(URI baseUrl, Clock clock) {
    this.baseUrl = baseUrl;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
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
      Answer answer;
      try {
        answer = query(g.query());
      } catch (IOException e) {
        throw FailureType.UNAVAILABLE.permanent(
            "Prometheus at " + baseUrl + " is unreachable: " + FailureType.rootMessage(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw FailureType.UNAVAILABLE.permanent("interrupted while asking Prometheus");
      }
      if (answer.error() != null) {
        throw FailureType.INVALID_INPUT.permanent(
            "guardrail '" + g.name() + "': Prometheus rejected the query: " + answer.error());
      }
    }
  }

  GuardrailReading read(Guardrail g) {
    long now = clock.millis();
    Answer answer;
    try {
      answer = query(g.query());
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
        format(value)
            + (pass ? " " : " not ")
            + g.comparison().symbol()
            + " "
            + format(g.threshold());
    return new GuardrailReading(g.name(), pass ? Verdict.PASS : Verdict.FAIL, value, detail, now);
  }

  /** A query's first sample, or the error Prometheus gave. */
  record Answer(Double value, String error) {}

  Answer query(String promql) throws IOException, InterruptedException {
    URI uri =
        baseUrl.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IOException("HTTP " + response.statusCode() + " with a body that is not JSON");
    }
    if (!"success".equals(body.path("status").asText())) {
      return new Answer(null, body.path("error").asText("HTTP " + response.statusCode()));
    }
    JsonNode data = body.path("data");
    JsonNode result = data.path("result");
    String type = data.path("resultType").asText();
    JsonNode sample =
        switch (type) {
          case "scalar" -> result;
          case "vector" -> result.isEmpty() ? null : result.get(0).path("value");
          default -> null;
        };
    if (sample == null || !sample.isArray() || sample.size() < 2) {
      return new Answer(null, null);
    }
    return new Answer(parse(sample.get(1).asText()), null);
  }

  private static Double parse(String s) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.valueOf(s);
    };
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? String.valueOf((long) v)
        : String.format(java.util.Locale.ROOT, "%.4g", v);
  }
}
