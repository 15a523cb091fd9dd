package dev.rollgate.ops.demo;

import java.net.URI;
import java.util.Map;

/**
 * Command-line and environment options of the {@link DemoService}. A command-line option beats its
 * environment variable, which beats the default. Both {@code --name value} and {@code --name=value}
 * are accepted.
 *
 * @param port HTTP port ({@code --port}, env {@code DEMO_PORT}, default 8081)
 * @param bind address to bind ({@code --bind}, env {@code DEMO_BIND}, default 127.0.0.1)
 * @param redisUri flags-client Redis URI ({@code --redis}, env {@code ROLLGATE_REDIS_URL}, default
 *     redis://127.0.0.1:63790)
 * @param flag flag guarding the "new checkout" code path ({@code --flag}, env {@code DEMO_FLAG},
 *     default new_checkout)
 * @param loadRps built-in load in requests per second, 0 disables ({@code --load-rps}, env {@code
 *     DEMO_LOAD_RPS}, default 20, at most {@value #MAX_LOAD_RPS})
 * @param errorRate initial failure probability, 0..1 ({@code --error-rate}, env {@code
 *     DEMO_ERROR_RATE}, default 0): of the flag's new checkout path, and of every {@code GET /} and
 *     {@code GET /api} request (the deploy backend's traffic)
 * @param version the version this instance reports ({@code --version}, env {@code DEMO_VERSION},
 *     default 1): in {@code /health}, {@code /version} and as label {@code version} on every series
 * @param latencyMs initial extra latency in milliseconds added to every served request ({@code
 *     --latency-ms}, env {@code DEMO_LATENCY_MS}, default 0, at most {@value #MAX_LATENCY_MS})
 * @param loadTarget where the built-in load goes ({@code --load-target}, env {@code
 *     DEMO_LOAD_TARGET}): null calls the checkout logic in-process; an http:// URL sends {@code
 *     GET} requests there instead ({@code {user}} in it is replaced by a random user id)
 */
record DemoOptions(
    int port,
    String bind,
    String redisUri,
    String flag,
    int loadRps,
    double errorRate,
    String version,
    int latencyMs,
    String loadTarget) {

  /** Upper bound of the built-in load generator. */
  static final int MAX_LOAD_RPS = 1000;

  /** Upper bound of the injected latency (a minute: long enough for any timeout experiment). */
  static final int MAX_LATENCY_MS = 60_000;

  static final String USAGE =
      """
      Usage: java -jar rollgate-demo.jar [options]
        --port N          HTTP port (env DEMO_PORT, default 8081)
        --bind ADDR       bind address (env DEMO_BIND, default 127.0.0.1)
        --redis URI       flags Redis (env ROLLGATE_REDIS_URL, default redis://127.0.0.1:63790)
        --flag NAME       flag guarding the new checkout path (env DEMO_FLAG, default new_checkout)
        --load-rps N      built-in load, requests/s, 0 = off (env DEMO_LOAD_RPS, default 20, max 1000)
        --error-rate P    initial failure probability, 0..1, of the new checkout path and of
                          GET / and /api (env DEMO_ERROR_RATE, default 0)
        --version V       version reported in /health and as label version (env DEMO_VERSION, default 1)
        --latency-ms N    extra latency of every served request (env DEMO_LATENCY_MS, default 0)
        --load-target URL send the built-in load as HTTP GETs to URL instead of in-process
                          checkouts; {user} in URL = a random user id (env DEMO_LOAD_TARGET)
        --help            this text

      Endpoints: GET /checkout?user=U, GET / and GET /api[/...] (deploy backend traffic),
      GET|POST /errors[?rate=P], GET|POST /latency[?ms=N], GET /metrics, GET /health, GET /version
      """;

  DemoOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    if (bind == null || bind.isBlank()) {
      throw new IllegalArgumentException("bind address must not be empty");
    }
    if (redisUri == null || !redisUri.startsWith("redis")) {
      throw new IllegalArgumentException("Redis URI must start with redis:// or rediss://");
    }
    if (flag == null || flag.isBlank()) {
      throw new IllegalArgumentException("flag must not be empty");
    }
    if (loadRps < 0 || loadRps > MAX_LOAD_RPS) {
      throw new IllegalArgumentException(
          "load-rps must be 0.." + MAX_LOAD_RPS + ", was " + loadRps);
    }
    checkRate(errorRate);
    if (version == null || version.isBlank() || !version.matches("[A-Za-z0-9._+-]{1,64}")) {
      throw new IllegalArgumentException(
          "version must be 1-64 characters of A-Z a-z 0-9 . _ + -, was '" + version + "'");
    }
    checkLatency(latencyMs);
    if (loadTarget != null) {
      URI uri;
      try {
        uri = loadTargetFor(loadTarget, "user-0");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("load-target is not a URL: " + loadTarget);
      }
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "load-target must be an http:// URL with a host, was " + loadTarget);
      }
    }
  }

  /**
   * Parses options.
   *
   * @return the options, or null when {@code --help} was given
   * @throws IllegalArgumentException on an unknown option, a missing value or a bad value
   */
  static DemoOptions parse(String[] args, Map<String, String> env) {
    String port = env.getOrDefault("DEMO_PORT", "8081");
    String bind = env.getOrDefault("DEMO_BIND", "127.0.0.1");
    String redis = env.getOrDefault("ROLLGATE_REDIS_URL", "redis://127.0.0.1:63790");
    String flag = env.getOrDefault("DEMO_FLAG", "new_checkout");
    String loadRps = env.getOrDefault("DEMO_LOAD_RPS", "20");
    String errorRate = env.getOrDefault("DEMO_ERROR_RATE", "0");
    String version = env.getOrDefault("DEMO_VERSION", "1");
    String latencyMs = env.getOrDefault("DEMO_LATENCY_MS", "0");
    String loadTarget = env.getOrDefault("DEMO_LOAD_TARGET", "");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("missing value for " + arg);
      }
      switch (name) {
        case "--port" -> port = value;
        case "--bind" -> bind = value;
        case "--redis" -> redis = value;
        case "--flag" -> flag = value;
        case "--load-rps" -> loadRps = value;
        case "--error-rate" -> errorRate = value;
        case "--version" -> version = value;
        case "--latency-ms" -> latencyMs = value;
        case "--load-target" -> loadTarget = value;
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    return new DemoOptions(
        parseInt("port", port),
        bind.strip(),
        redis.strip(),
        flag.strip(),
        parseInt("load-rps", loadRps),
        parseRate(errorRate),
        version.strip(),
        parseLatency(latencyMs),
        parseTarget(loadTarget));
  }

  /** The Redis URI without any password, for logging. */
  String redisForLog() {
    try {
      URI uri = URI.create(redisUri);
      if (uri.getUserInfo() == null) {
        return redisUri;
      }
      return new URI(
              uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          .toString();
    } catch (Exception e) {
      return "<unparseable Redis URI>";
    }
  }

  static double parseRate(String text) {
    double rate;
    try {
      rate = Double.parseDouble(text.strip());
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("error rate must be a number in 0..1, was " + text);
    }
    return checkRate(rate);
  }

  static int parseLatency(String text) {
    int ms;
    try {
      ms = Integer.parseInt(text.strip());
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException(
          "latency must be an integer number of milliseconds, was " + text);
    }
    return checkLatency(ms);
  }

  private static int checkLatency(int ms) {
    if (ms < 0 || ms > MAX_LATENCY_MS) {
      throw new IllegalArgumentException("latency must be 0.." + MAX_LATENCY_MS + " ms, was " + ms);
    }
    return ms;
  }

  private static String parseTarget(String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }

  /** The load target URL for one request: {@code {user}} replaced by {@code user}. */
  static URI loadTargetFor(String template, String user) {
    return URI.create(template.replace("{user}", user));
  }

  private static double checkRate(double rate) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("error rate must be in 0..1, was " + rate);
    }
    return rate;
  }

  private static int parseInt(String what, String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be an integer, was " + text);
    }
  }
}
