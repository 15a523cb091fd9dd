package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.rollgate.worker.RollgateProperties;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dev stack's own Prometheus: started when the binary is installed, TSDB under the state
 * directory, scraping the worker on the port it reports once up and the deployment demo's HAProxy
 * exporter (job {@code haproxy}, whose series the canary analysis queries). Needs {@code
 * prometheus} ({@code apt-get install prometheus}); skipped without it.
 */
class PrometheusDevStackIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private DevStack stack;

  private HttpServer exporter;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
    if (exporter != null) {
      exporter.stop(0);
    }
  }

  private String get(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void installedPrometheusRunsUnderSupervisionAndScrapesTheWorker() throws Exception {
    String binary = DevStack.findOnPath("prometheus", null).orElse(null);
    Assumptions.assumeTrue(
        binary != null, "needs the prometheus binary (apt-get install prometheus)");
    Path state = Path.of("target/dev-stack-prometheus").toAbsolutePath();
    RollgateProperties.Dev d = DevStackMain.settings(state, 0, 0);
    // what the deployment demo's HAProxy exporter serves, one series of it
    exporter = HttpServer.create(new InetSocketAddress(DevStack.HOST, 0), 0);
    exporter.createContext(
        "/metrics",
        exchange -> {
          byte[] body =
              "haproxy_server_weight{proxy=\"app\",server=\"green\"} 10\n"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (var out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    exporter.start();
    String exporterTarget = DevStack.HOST + ":" + exporter.getAddress().getPort();
    stack =
        DevStack.start(
            new RollgateProperties.Dev(
                true,
                state,
                d.temporalCli(),
                binary,
                0,
                0,
                0,
                0,
                0,
                0,
                1,
                d.demoTarget(),
                exporterTarget,
                "/nonexistent/bao"));
    String url = (String) stack.properties().get("rollgate.prometheus.url");
    assertThat(url).startsWith("http://127.0.0.1:");
    assertThat(stack.children()).anyMatch(c -> c.name().equals("prometheus") && c.up());

    stack.scrapeWorker(45678);

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(get(url + "/api/v1/targets"))
                    .contains("http://127.0.0.1:45678/actuator/prometheus")
                    .contains("\"job\":\"rollgate-worker\"")
                    .contains("\"job\":\"demo\"")
                    .contains("\"job\":\"haproxy\""));
    // the canary analysis's series (CanaryMetrics.defaults() query HAProxy's exporter) have data
    String query =
        url
            + "/api/v1/query?query="
            + URLEncoder.encode(
                "haproxy_server_weight{job=\"haproxy\",proxy=\"app\",server=\"green\"}",
                StandardCharsets.UTF_8);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> assertThat(get(query)).contains("\"" + exporterTarget + "\"").contains("\"10\""));
    try (var data = Files.list(state.resolve("prometheus/data"))) {
      assertThat(data).as("TSDB under the state directory").isNotEmpty();
    }
  }
}
