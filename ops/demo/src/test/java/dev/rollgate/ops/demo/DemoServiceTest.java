package dev.rollgate.ops.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The demo service over real HTTP, as HAProxy, Prometheus and the e2e scripts use it. */
class DemoServiceTest {

  // nothing listens there: the flags client stays fail-static (every flag off)
  private static final String NO_REDIS = "redis://127.0.0.1:1";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<DemoService> services = new ArrayList<>();

  @AfterEach
  void stop() {
    services.forEach(DemoService::close);
    http.close();
  }

  private DemoService start(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--port", "0", "--redis", NO_REDIS));
    all.addAll(List.of(args));
    DemoService service = new DemoService(DemoOptions.parse(all.toArray(String[]::new), Map.of()));
    services.add(service);
    return service.start();
  }

  private HttpResponse<String> get(DemoService service, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(service.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(DemoService service, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(service.url() + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthAndVersionReportTheVersion() throws Exception {
    DemoService demo = start("--version", "2.1", "--load-rps", "0");

    assertThat(get(demo, "/health").body()).isEqualTo("ok version=2.1\n");
    assertThat(get(demo, "/version").body()).isEqualTo("2.1\n");
    assertThat(get(demo, "/metrics").body())
        .contains(
            "demo_requests_total{application=\"rollgate-demo\",flag_on=\"false\",path=\"api\",status=\"500\",version=\"2.1\"} 0.0");
  }

  @Test
  void errorRateAppliesToEveryBackendPathButCheckoutStaysBehindItsFlag() throws Exception {
    DemoService demo = start("--load-rps", "0");

    assertThat(get(demo, "/api").statusCode()).isEqualTo(200);
    assertThat(post(demo, "/errors?rate=1").body()).contains("\"errorRate\":1.0");

    assertThat(get(demo, "/").statusCode()).isEqualTo(500);
    assertThat(get(demo, "/api").statusCode()).isEqualTo(500);
    assertThat(get(demo, "/api/orders/7").body())
        .isEqualTo("{\"version\":\"1\",\"path\":\"/api/orders/7\",\"status\":500}\n");
    // the flag is off (no Redis): the failing new checkout path is not taken
    assertThat(get(demo, "/checkout?user=u1").statusCode()).isEqualTo(200);
    assertThat(get(demo, "/health").statusCode()).isEqualTo(200);

    post(demo, "/errors?rate=0");
    assertThat(get(demo, "/api").statusCode()).isEqualTo(200);
    String metrics = get(demo, "/metrics").body();
    assertThat(metrics)
        .contains(
            "demo_requests_total{application=\"rollgate-demo\",flag_on=\"false\",path=\"api\",status=\"500\",version=\"1\"} 3.0")
        .contains(
            "demo_requests_total{application=\"rollgate-demo\",flag_on=\"false\",path=\"checkout\",status=\"200\",version=\"1\"} 1.0");
  }

  @Test
  void injectedLatencySlowsServedRequestsOnlyAndShowsInTheHistogram() throws Exception {
    DemoService demo = start("--load-rps", "0", "--version", "3");

    assertThat(post(demo, "/latency?ms=300").body())
        .isEqualTo("{\"latencyMs\":300,\"previous\":0}\n");
    assertThat(get(demo, "/latency").body()).isEqualTo("{\"latencyMs\":300}\n");

    long t0 = System.nanoTime();
    assertThat(get(demo, "/api").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    t0 = System.nanoTime();
    get(demo, "/health");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(250));

    String metrics = get(demo, "/metrics").body();
    String labels = "application=\"rollgate-demo\",path=\"api\",status=\"200\",version=\"3\"";
    assertThat(metrics)
        .contains("demo_request_duration_seconds_bucket{" + labels + ",le=\"0.25\"} 0")
        .contains("demo_request_duration_seconds_bucket{" + labels + ",le=\"0.5\"} 1")
        .contains("demo_request_duration_seconds_bucket{" + labels + ",le=\"0.005\"} 0")
        .contains("demo_request_duration_seconds_count{" + labels + "} 1");
  }

  @Test
  void badLatencyIsRefusedAndChangesNothing() throws Exception {
    DemoService demo = start("--load-rps", "0", "--latency-ms", "20");

    HttpResponse<String> refused = post(demo, "/latency?ms=-5");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("latency must be 0..60000 ms, was -5");
    assertThat(post(demo, "/latency").statusCode()).isEqualTo(400);
    assertThat(demo.latencyMs()).isEqualTo(20);
    assertThat(get(demo, "/latency").body()).isEqualTo("{\"latencyMs\":20}\n");
  }

  @Test
  void loadTargetSendsTheBuiltInLoadOverHttp() throws Exception {
    DemoService backend = start("--load-rps", "0", "--version", "2");
    post(backend, "/errors?rate=1");
    DemoService generator = start("--load-rps", "50", "--load-target", backend.url() + "/api");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(get(generator, "/metrics").body())
                    .containsPattern(
                        "demo_load_requests_total\\{application=\"rollgate-demo\",outcome=\"5xx\",version=\"1\"} [1-9]"));
    assertThat(get(backend, "/metrics").body())
        .containsPattern(
            "demo_requests_total\\{application=\"rollgate-demo\",flag_on=\"false\",path=\"api\",status=\"500\",version=\"2\"} [1-9]");
    // the generator's own counters saw no in-process checkout
    assertThat(get(generator, "/metrics").body())
        .contains(
            "demo_requests_total{application=\"rollgate-demo\",flag_on=\"false\",path=\"checkout\",status=\"200\",version=\"1\"} 0.0");
  }

  @Test
  void withoutLoadTargetTheLoadRunsTheCheckoutInProcess() throws Exception {
    DemoService demo = start("--load-rps", "100");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(get(demo, "/metrics").body())
                    .containsPattern(
                        "demo_requests_total\\{application=\"rollgate-demo\",flag_on=\"false\",path=\"checkout\",status=\"200\",version=\"1\"} [1-9]"));
  }
}
