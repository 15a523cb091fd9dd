package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.worker.RollgateProperties;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dev stack's own Prometheus: started when the binary is installed, TSDB under the state
 * directory, scraping the worker on the port it reports once up. Needs {@code prometheus} ({@code
 * apt-get install prometheus}); skipped without it.
 */
class PrometheusDevStackIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private DevStack stack;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
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
    stack =
        DevStack.start(
            new RollgateProperties.Dev(
                true, state, d.temporalCli(), binary, 0, 0, 0, 0, 0, 0, 1, d.demoTarget()));
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
                    .contains("\"job\":\"demo\""));
    try (var data = Files.list(state.resolve("prometheus/data"))) {
      assertThat(data).as("TSDB under the state directory").isNotEmpty();
    }
  }
}
