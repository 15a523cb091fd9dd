package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.activities.deploy.BackfilledPrometheus.Series;
import dev.rollgate.activities.secrets.StaticSecrets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prometheus credentials come through the secret source: basic auth against a real Prometheus that
 * demands it (its own {@code --web.config.file}), a bearer token as an authenticating proxy in
 * front of Prometheus sees it, and a refusal is one clear message rather than "not JSON".
 */
class PrometheusCredentialsTest {
  static final long END = Instant.now().minus(Duration.ofHours(1)).getEpochSecond();
  static BackfilledPrometheus prometheus;

  @BeforeAll
  static void start() throws Exception {
    double[] ones = new double[60];
    java.util.Arrays.fill(ones, 1.0);
    prometheus =
        new BackfilledPrometheus(
            List.of(new Series("guarded", "gauge", "guarded", "job=\"app\"", ones)),
            END,
            new String[] {"rollgate", "prom-secret"});
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  private static PrometheusClient client(Map<String, String> secrets) {
    return new PrometheusClient(prometheus.url, new StaticSecrets(secrets));
  }

  @Test
  void basicAuthFromTheSecretSourceIsAccepted() throws Exception {
    PrometheusClient.Answer answer =
        client(Map.of("prometheus/username", "rollgate", "prometheus/password", "prom-secret"))
            .instant("guarded", Instant.ofEpochSecond(END));

    assertThat(answer.error()).isNull();
    assertThat(answer.value()).isEqualTo(1.0);
  }

  @Test
  void withoutCredentialsTheRefusalSaysWhatToSet() {
    assertThatThrownBy(() -> client(Map.of()).instant("guarded", Instant.ofEpochSecond(END)))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "HTTP 401: Prometheus refused a request without credentials: set prometheus/token, or"
                + " prometheus/username and prometheus/password (rollgate.prometheus.* or"
                + " OpenBao)");
  }

  @Test
  void aWrongPasswordIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(
            () ->
                client(Map.of("prometheus/username", "rollgate", "prometheus/password", "wrong-pw"))
                    .instant("guarded", Instant.ofEpochSecond(END)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Prometheus refused Rollgate's credentials")
        .hasMessageNotContaining("wrong-pw");
  }

  @Test
  void aValidityCheckBeforeAStartNamesTheRefusal() {
    assertThatThrownBy(() -> client(Map.of()).requireValid("guardrail errors", "guarded"))
        .hasMessageContaining("unreachable: HTTP 401: Prometheus refused a request without");
  }

  @Test
  void aTokenIsSentAsBearerAndWinsOverBasicAuth() throws Exception {
    // a stand-in for the authenticating proxy in front of Prometheus: it records the header
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext(
        "/",
        exchange -> {
          seen.add(exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body =
              "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[0,\"2\"]}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    proxy.start();
    try {
      PrometheusClient client =
          new PrometheusClient(
              URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()),
              new StaticSecrets(
                  Map.of(
                      "prometheus/token", "tok-123",
                      "prometheus/username", "rollgate",
                      "prometheus/password", "prom-secret")));

      assertThat(client.instant("2", null).value()).isEqualTo(2.0);
      assertThat(seen).containsExactly("Bearer tok-123");
    } finally {
      proxy.stop(0);
    }
  }
}
