package dev.rollgate.ops.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP service whose "new checkout" code path is guarded by a Rollgate flag and can be made
 * to fail on demand. End-to-end checks ramp the flag with Rollgate while Prometheus scrapes this
 * service; raising the error rate makes the guardrail {@code demo:error_ratio:rate30s} climb, which
 * should pause or roll back the rollout.
 *
 * <p>The same service is the backend of the deployment demo (ops/demo/deploy-demo.sh): two
 * instances with different {@code --version}s behind HAProxy, serving {@code GET /} and {@code GET
 * /api}, where the error rate and an injected latency apply to every request.
 *
 * <ul>
 *   <li>{@code GET /checkout?user=U}: evaluates the flag for U; when it is on and the error rate is
 *       above 0, fails with HTTP 500 with that probability, else 200. Body: {@code
 *       {"user":..,"flag":..,"on":..,"status":..}}.
 *   <li>{@code GET /} and {@code GET /api[/...]}: the deploy backend's traffic; fails with HTTP 500
 *       with the error rate's probability (no flag involved), else 200. Body: {@code
 *       {"version":..,"path":..,"status":..}}.
 *   <li>{@code GET /errors} shows the error rate; {@code POST /errors?rate=P} (or form body {@code
 *       rate=P}) sets it, 0..1.
 *   <li>{@code GET /latency} shows the injected latency; {@code POST /latency?ms=N} sets it: every
 *       request to the three paths above then takes N ms longer (control endpoints do not).
 *   <li>{@code GET /metrics}: Prometheus text format; {@code
 *       demo_requests_total{flag_on,status,path,version}} counts HTTP and in-process load requests
 *       alike, {@code demo_request_duration_seconds} (histogram, {@code path,status,version}) times
 *       the HTTP ones, plus flags-client and JVM meters.
 *   <li>{@code GET /health}: {@code ok version=V}; {@code GET /version}: {@code V}.
 * </ul>
 *
 * <p>A built-in load generator calls the same checkout logic with random {@code user-<n>} ids (20/s
 * by default) so the guardrail always has traffic; with {@code --load-target URL} it sends HTTP
 * requests there instead (e.g. through HAProxy). The service starts even when Redis is down: the
 * flags client is fail-static and every flag is then off.
 */
public final class DemoService implements AutoCloseable {

  static {
    // slf4j-simple reads these once, when the first logger is created: keep this block first.
    defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
    defaultProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    defaultProperty("org.slf4j.simpleLogger.log.io.lettuce", "warn");
    // while Redis is down lettuce warns on every reconnect attempt; the flags client already logs
    // the outage once and counts it in rollgate_flags_refresh_failures_total
    defaultProperty(
        "org.slf4j.simpleLogger.log.io.lettuce.core.protocol.ConnectionWatchdog", "error");
    defaultProperty("org.slf4j.simpleLogger.log.io.netty", "warn");
    defaultProperty("org.slf4j.simpleLogger.log.reactor", "warn");
  }

  private static final Logger log = LoggerFactory.getLogger(DemoService.class);

  /** Distinct user ids the load generator draws from. */
  static final int LOAD_USERS = 10_000;

  private static final Duration FLAGS_POLL_INTERVAL = Duration.ofSeconds(10);
  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String CHECKOUT = "checkout";
  private static final String API = "api";

  /**
   * Fixed buckets of {@code demo_request_duration_seconds} on top of Micrometer's percentile
   * histogram, so that the usual thresholds (p95 above 500 ms, ...) fall on a bucket boundary.
   */
  private static final Duration[] SLO_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofMillis(1000),
    Duration.ofMillis(2000)
  };

  private final DemoOptions options;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final FlagsClient flags;
  private final Counter onOk;
  private final Counter onFailed;
  private final Counter offOk;
  private final Counter offFailed;
  private final Counter apiOk;
  private final Counter apiFailed;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile double errorRate;
  private volatile int latencyMs;
  private HttpClient loadClient;
  private Semaphore loadInFlight;
  private HttpServer server;
  private ExecutorService httpExecutor;
  private ScheduledExecutorService load;

  /** The outcome of one checkout. */
  record Outcome(String user, boolean on, int status) {}

  DemoService(DemoOptions options) {
    this.options = options;
    this.errorRate = options.errorRate();
    this.latencyMs = options.latencyMs();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("application", "rollgate-demo", "version", options.version());
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    // All series exist from the start, so the error ratio is 0 (not "no data") before the first
    // failure.
    onOk = requests(CHECKOUT, true, 200);
    onFailed = requests(CHECKOUT, true, 500);
    offOk = requests(CHECKOUT, false, 200);
    offFailed = requests(CHECKOUT, false, 500);
    apiOk = requests(API, false, 200);
    apiFailed = requests(API, false, 500);
    flags =
        FlagsClient.builder()
            .redisUri(options.redisUri())
            .pollInterval(FLAGS_POLL_INTERVAL)
            .meterRegistry(registry)
            .build();
  }

  private Counter requests(String path, boolean flagOn, int status) {
    return Counter.builder("demo.requests")
        .description(
            "Requests served by the demo service (HTTP and in-process load); path checkout or api")
        .tag("flag_on", String.valueOf(flagOn))
        .tag("status", String.valueOf(status))
        .tag("path", path)
        .register(registry);
  }

  /** Times one HTTP request to a served path (the injected latency included). */
  private Timer duration(String path, int status) {
    return Timer.builder("demo.request.duration")
        .description("Time to serve an HTTP request to /checkout, / or /api (latency included)")
        .tag("path", path)
        .tag("status", String.valueOf(status))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5))
        .maximumExpectedValue(Duration.ofSeconds(2))
        .serviceLevelObjectives(SLO_BUCKETS)
        .register(registry);
  }

  /** Starts the flags client, the HTTP server and the load generator. */
  DemoService start() throws IOException {
    warmUpCodec();
    flags.start();
    server = HttpServer.create(new InetSocketAddress(options.bind(), options.port()), 64);
    httpExecutor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("demo-http-", 0).factory());
    server.setExecutor(httpExecutor);
    server.createContext("/", this::handle);
    server.start();
    if (options.loadRps() > 0) {
      if (options.loadTarget() != null) {
        loadClient =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .executor(
                    Executors.newThreadPerTaskExecutor(
                        Thread.ofVirtual().name("demo-load-http-", 0).factory()))
                .build();
        // enough for 2 s of requests: a slow target makes the generator skip, not pile up
        loadInFlight = new Semaphore(Math.max(16, 2 * options.loadRps()));
      }
      load =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "demo-load");
                t.setDaemon(true);
                return t;
              });
      long periodNanos = TimeUnit.SECONDS.toNanos(1) / options.loadRps();
      load.scheduleAtFixedRate(this::loadTick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }
    return this;
  }

  /**
   * Decodes one flag up front: on a cold JVM the first Jackson decode takes a few hundred
   * milliseconds, which would otherwise delay the first flag push.
   */
  private static void warmUpCodec() {
    try {
      FlagCodec.fromJson(FlagCodec.toJson(FlagDefinition.newFlag("warmup")));
    } catch (RuntimeException e) {
      log.debug("demo: codec warm-up failed: {}", e.toString());
    }
  }

  /** The port actually bound (useful with {@code --port 0}). */
  int port() {
    return server.getAddress().getPort();
  }

  String url() {
    String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
    return "http://" + host + ":" + port();
  }

  double errorRate() {
    return errorRate;
  }

  int latencyMs() {
    return latencyMs;
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The checkout logic shared by HTTP requests and the load generator. */
  Outcome checkout(String user) {
    boolean on = flags.isEnabled(options.flag(), EvaluationContext.of(user));
    double rate = errorRate;
    boolean fail = on && rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
    int status = fail ? 500 : 200;
    (on ? (fail ? onFailed : onOk) : (fail ? offFailed : offOk)).increment();
    return new Outcome(user, on, status);
  }

  /** A plain backend request: fails with the error rate's probability, whatever the flag. */
  int api() {
    double rate = errorRate;
    boolean fail = rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
    (fail ? apiFailed : apiOk).increment();
    return fail ? 500 : 200;
  }

  private void loadTick() {
    try {
      String user = "user-" + ThreadLocalRandom.current().nextInt(LOAD_USERS);
      if (loadClient == null) {
        checkout(user);
      } else {
        sendLoad(user);
      }
    } catch (RuntimeException e) {
      // never let an exception cancel the schedule
      log.warn("demo load request failed: {}", e.toString());
    }
  }

  private void sendLoad(String user) {
    if (!loadInFlight.tryAcquire()) {
      loadOutcome("skipped");
      return;
    }
    HttpRequest request =
        HttpRequest.newBuilder(DemoOptions.loadTargetFor(options.loadTarget(), user))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    loadClient
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              loadInFlight.release();
              loadOutcome(failure != null ? "error" : (response.statusCode() / 100) + "xx");
            });
  }

  private void loadOutcome(String outcome) {
    Counter.builder("demo.load.requests")
        .description(
            "Requests the built-in load generator sent to --load-target, by outcome (2xx, 5xx,"
                + " ..., error = no response, skipped = too many in flight)")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  // ---------------------------------------------------------------- HTTP

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      switch (path) {
        case "/checkout" -> {
          if (requireMethod(exchange, method, "GET")) {
            handleCheckout(exchange);
          }
        }
        case "/", "/api" -> {
          if (requireMethod(exchange, method, "GET")) {
            handleApi(exchange, path);
          }
        }
        case "/latency" -> {
          if (requireMethod(exchange, method, "GET", "POST")) {
            handleLatency(exchange, method);
          }
        }
        case "/version" -> {
          if (requireMethod(exchange, method, "GET")) {
            send(exchange, 200, TEXT, options.version() + "\n");
          }
        }
        case "/errors" -> {
          if (requireMethod(exchange, method, "GET", "POST")) {
            handleErrors(exchange, method);
          }
        }
        case "/metrics" -> {
          if (requireMethod(exchange, method, "GET")) {
            send(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
          }
        }
        case "/health" -> {
          if (requireMethod(exchange, method, "GET")) {
            send(exchange, 200, TEXT, "ok version=" + options.version() + "\n");
          }
        }
        default -> {
          if (!path.startsWith("/api/")) {
            send(exchange, 404, JSON, error("no such endpoint: " + path));
          } else if (requireMethod(exchange, method, "GET")) {
            handleApi(exchange, path);
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("demo: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      try {
        send(exchange, 500, JSON, error("internal error: " + e));
      } catch (IOException | RuntimeException ignored) {
        // the response may already have been started
      }
    }
  }

  private void handleCheckout(HttpExchange exchange) throws IOException {
    String user = query(exchange).get("user");
    if (user == null || user.isBlank()) {
      send(exchange, 400, JSON, error("missing query parameter user"));
      return;
    }
    long start = System.nanoTime();
    injectLatency();
    Outcome outcome = checkout(user);
    String body =
        "{\"user\":"
            + quote(outcome.user())
            + ",\"flag\":"
            + quote(options.flag())
            + ",\"on\":"
            + outcome.on()
            + ",\"status\":"
            + outcome.status()
            + "}\n";
    send(exchange, outcome.status(), JSON, body);
    duration(CHECKOUT, outcome.status()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  private void handleApi(HttpExchange exchange, String path) throws IOException {
    long start = System.nanoTime();
    injectLatency();
    int status = api();
    String body =
        "{\"version\":"
            + quote(options.version())
            + ",\"path\":"
            + quote(path)
            + ",\"status\":"
            + status
            + "}\n";
    send(exchange, status, JSON, body);
    duration(API, status).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  private void injectLatency() {
    int ms = latencyMs;
    if (ms > 0) {
      try {
        Thread.sleep(ms); // a virtual thread: sleeping costs no platform thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void handleLatency(HttpExchange exchange, String method) throws IOException {
    if (!method.equals("POST")) {
      send(exchange, 200, JSON, "{\"latencyMs\":" + latencyMs + "}\n");
      return;
    }
    String text = param(exchange, "ms");
    if (text == null) {
      send(
          exchange,
          400,
          JSON,
          error("missing parameter ms (0.." + DemoOptions.MAX_LATENCY_MS + ")"));
      return;
    }
    int ms;
    try {
      ms = DemoOptions.parseLatency(text);
    } catch (IllegalArgumentException e) {
      send(exchange, 400, JSON, error(e.getMessage()));
      return;
    }
    int previous = latencyMs;
    latencyMs = ms;
    log.info("demo: injected latency {} ms -> {} ms", previous, ms);
    send(exchange, 200, JSON, "{\"latencyMs\":" + ms + ",\"previous\":" + previous + "}\n");
  }

  /** A parameter from the query string, else from a form body. */
  private static String param(HttpExchange exchange, String name) throws IOException {
    Map<String, String> params = query(exchange);
    if (!params.containsKey(name)) {
      params = parseForm(readBody(exchange));
    }
    return params.get(name);
  }

  private void handleErrors(HttpExchange exchange, String method) throws IOException {
    if (!method.equals("POST")) {
      send(exchange, 200, JSON, "{\"errorRate\":" + errorRate + "}\n");
      return;
    }
    String text = param(exchange, "rate");
    if (text == null) {
      send(exchange, 400, JSON, error("missing parameter rate (0..1)"));
      return;
    }
    double rate;
    try {
      rate = DemoOptions.parseRate(text);
    } catch (IllegalArgumentException e) {
      send(exchange, 400, JSON, error(e.getMessage()));
      return;
    }
    double previous = errorRate;
    errorRate = rate;
    log.info("demo: error rate (new checkout path, / and /api) {} -> {}", previous, rate);
    send(exchange, 200, JSON, "{\"errorRate\":" + rate + ",\"previous\":" + previous + "}\n");
  }

  private static boolean requireMethod(HttpExchange exchange, String method, String... allowed)
      throws IOException {
    for (String a : allowed) {
      if (a.equals(method) || (a.equals("GET") && method.equals("HEAD"))) {
        return true;
      }
    }
    exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
    send(exchange, 405, JSON, error("method " + method + " not allowed"));
    return false;
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static String readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readNBytes(4096);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    return parseForm(exchange.getRequestURI().getRawQuery());
  }

  static Map<String, String> parseForm(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isBlank()) {
      return out;
    }
    for (String pair : raw.strip().split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // malformed percent-encoding: skip the pair
      }
    }
    return out;
  }

  private static String error(String message) {
    return "{\"error\":" + quote(message) + "}\n";
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops the load generator, the HTTP server and the flags client. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (load != null) {
      load.shutdownNow();
    }
    if (loadClient != null) {
      loadClient.shutdownNow();
    }
    if (server != null) {
      server.stop(1);
    }
    if (httpExecutor != null) {
      httpExecutor.shutdownNow();
    }
    flags.close();
    gcMetrics.close();
    registry.close();
  }

  public static void main(String[] args) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("rollgate-demo: " + e.getMessage());
      System.err.print(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(DemoOptions.USAGE);
      return;
    }
    DemoService service = new DemoService(options);
    try {
      service.start();
    } catch (IOException | RuntimeException e) {
      log.error("Rollgate demo failed to start on {}:{}: {}", options.bind(), options.port(), e);
      service.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("Rollgate demo stopping");
                  service.close();
                  log.info("Rollgate demo stopped");
                },
                "demo-shutdown"));
    log.info(
        "Rollgate demo version {} listening on {} (flag {}, redis {}, load {} rps{}, error rate {},"
            + " latency {} ms)",
        options.version(),
        service.url(),
        options.flag(),
        options.redisForLog(),
        options.loadRps(),
        options.loadTarget() == null ? "" : " to " + options.loadTarget(),
        service.errorRate(),
        service.latencyMs());
  }

  private static void defaultProperty(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
