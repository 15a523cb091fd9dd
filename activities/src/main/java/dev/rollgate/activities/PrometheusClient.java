package dev.rollgate.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.workflows.FailureType;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Prometheus HTTP API ({@code /api/v1/query}, {@code /api/v1/query_range}), shared by the
 * guardrails and the canary analysis. An answer is a value or the error Prometheus gave (bad
 * PromQL, a query timeout); an {@link IOException} means Prometheus could not be asked at all.
 */
public class PrometheusClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI baseUrl;
  private final HttpClient http;
  private final SecretSource secrets;

  /** Without credentials. */
  public PrometheusClient(URI baseUrl) {
    this(baseUrl, reference -> Optional.empty());
  }

  /**
   * With credentials from {@code secrets}, asked at every request (a rotated token is used once the
   * source's cache refreshes): {@code prometheus/token} as {@code Authorization: Bearer}, else
   * {@code prometheus/username} and {@code prometheus/password} as basic auth (Prometheus' own
   * {@code --web.config.file}), else none.
   */
  public PrometheusClient(URI baseUrl, SecretSource secrets) {
    this.baseUrl = baseUrl;
    this.secrets = secrets;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  }

  public URI baseUrl() {
    return baseUrl;
  }

  /** An instant query's first sample (null: no data), or the error Prometheus gave. */
  public record Answer(Double value, String error) {}

  /** A range query's first series' values in time order (empty: no data), or the error. */
  public record Samples(List<Double> values, String error) {}

  /** Evaluates {@code promql} at {@code at} (null: Prometheus' now). */
  public Answer instant(String promql, Instant at) throws IOException, InterruptedException {
    String params =
        "query=" + encode(promql) + (at == null ? "" : "&time=" + seconds(at.toEpochMilli()));
    JsonNode body = get("/api/v1/query?" + params);
    String error = error(body);
    if (error != null) {
      return new Answer(null, error);
    }
    JsonNode data = body.path("data");
    JsonNode result = data.path("result");
    JsonNode sample =
        switch (data.path("resultType").asText()) {
          case "scalar" -> result;
          case "vector" -> result.isEmpty() ? null : result.get(0).path("value");
          default -> null;
        };
    if (sample == null || !sample.isArray() || sample.size() < 2) {
      return new Answer(null, null);
    }
    return new Answer(parse(sample.get(1).asText()), null);
  }

  /** Evaluates {@code promql} every {@code step} from {@code start} to {@code end}. */
  public Samples range(String promql, Instant start, Instant end, Duration step)
      throws IOException, InterruptedException {
    JsonNode body =
        get(
            "/api/v1/query_range?query="
                + encode(promql)
                + "&start="
                + seconds(start.toEpochMilli())
                + "&end="
                + seconds(end.toEpochMilli())
                + "&step="
                + seconds(step.toMillis()));
    String error = error(body);
    if (error != null) {
      return new Samples(List.of(), error);
    }
    JsonNode result = body.path("data").path("result");
    List<Double> values = new ArrayList<>();
    if (result.isArray() && !result.isEmpty()) {
      for (JsonNode point : result.get(0).path("values")) {
        values.add(parse(point.get(1).asText()));
      }
    }
    return new Samples(values, null);
  }

  /**
   * For checks before a release starts: Prometheus answers and {@code promql} parses. Non-retryable
   * {@code UNAVAILABLE} when it cannot be asked, {@code INVALID_INPUT} naming {@code what} when it
   * rejects the query.
   */
  public void requireValid(String what, String promql) {
    Answer answer;
    try {
      answer = instant(promql, null);
    } catch (IOException e) {
      throw FailureType.UNAVAILABLE.permanent(
          "Prometheus at " + baseUrl + " is unreachable: " + FailureType.rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.permanent("interrupted while asking Prometheus");
    }
    if (answer.error() != null) {
      throw FailureType.INVALID_INPUT.permanent(
          what + ": Prometheus rejected the query: " + answer.error());
    }
  }

  private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(baseUrl.resolve(pathAndQuery)).timeout(TIMEOUT).GET();
    authorization().ifPresent(value -> request.header("Authorization", value));
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 401 || response.statusCode() == 403) {
      throw new IOException(
          "HTTP "
              + response.statusCode()
              + ": Prometheus refused "
              + (authorization().isPresent()
                  ? "Rollgate's credentials (prometheus/token, or prometheus/username and password)"
                  : "a request without credentials: set prometheus/token, or prometheus/username"
                      + " and prometheus/password (rollgate.prometheus.* or OpenBao)"));
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IOException("HTTP " + response.statusCode() + " with a body that is not JSON");
    }
    if (body == null || !body.has("status")) {
      throw new IOException("HTTP " + response.statusCode() + " without a Prometheus answer");
    }
    return body;
  }

  private Optional<String> authorization() {
    Optional<String> token = present("prometheus/token");
    if (token.isPresent()) {
      return Optional.of("Bearer " + token.get());
    }
    Map<String, String> basic = secrets.together("prometheus/username", "prometheus/password");
    String user = basic.get("prometheus/username");
    if (user == null) {
      return Optional.empty();
    }
    String pair = user + ":" + basic.getOrDefault("prometheus/password", "");
    return Optional.of(
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
  }

  private Optional<String> present(String reference) {
    return secrets.secret(reference).filter(value -> !value.isBlank());
  }

  /** Null on success, else Prometheus' error with its type, e.g. {@code bad_data: parse error}. */
  private static String error(JsonNode body) {
    if ("success".equals(body.path("status").asText())) {
      return null;
    }
    String type = body.path("errorType").asText("");
    return (type.isEmpty() ? "" : type + ": ") + body.path("error").asText("no message");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String seconds(long millis) {
    return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  private static Double parse(String s) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.valueOf(s);
    };
  }

  /**
   * A figure for people: four significant digits without trailing zeros ({@code 0.031}, {@code
   * 0.5}, {@code 12}), tiny ones in scientific notation ({@code 3.2e-09}).
   */
  public static String number(double v) {
    if (!Double.isFinite(v)) {
      return String.valueOf(v);
    }
    if (v != 0 && Math.abs(v) < 1e-4) {
      return String.format(java.util.Locale.ROOT, "%.2g", v);
    }
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(4))
        .stripTrailingZeros()
        .toPlainString();
  }
}
