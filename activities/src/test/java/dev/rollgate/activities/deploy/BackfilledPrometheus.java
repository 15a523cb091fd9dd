package dev.rollgate.activities.deploy;

import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (the Debian package next to promtool) over a TSDB written by {@code promtool
 * tsdb create-blocks-from openmetrics} from generated series, so queries at a known time see known
 * values. Everything lives under java.io.tmpdir (target/tmp) and is deleted on close.
 */
final class BackfilledPrometheus implements AutoCloseable {
  /** One series: its name, labels ({@code k="v",...}) and one value per second. */
  record Series(String family, String type, String name, String labels, double[] values) {}

  final URI url;
  private final Process process;
  private final Path dir;

  BackfilledPrometheus(List<Series> series, long endSeconds) throws Exception {
    this(series, endSeconds, null);
  }

  /**
   * @param basicAuth null, or a user and password Prometheus demands on every request (its own
   *     {@code --web.config.file} with {@code basic_auth_users}; the password's bcrypt hash is
   *     {@link #BCRYPT_HASHES} below)
   */
  BackfilledPrometheus(List<Series> series, long endSeconds, String[] basicAuth) throws Exception {
    Path promtool = RequiredTools.require(Tools.PROMTOOL);
    Path prometheus = promtool.resolveSibling("prometheus");
    if (!Files.isExecutable(prometheus)) {
      throw new IllegalStateException(
          "no prometheus next to " + promtool + ": apt-get install prometheus");
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    dir = Files.createTempDirectory(tmp, "prometheus-backfill-");
    Path om = dir.resolve("series.om");
    Files.writeString(om, openMetrics(series, endSeconds), StandardCharsets.UTF_8);
    Path data = dir.resolve("data");
    run(
        promtool.toString(),
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        om.toString(),
        data.toString());
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 15s\n");
    int port = TestInfra.freePort();
    url = URI.create("http://127.0.0.1:" + port);
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                prometheus.toString(),
                "--storage.tsdb.path=" + data,
                "--storage.tsdb.retention.time=10y",
                "--web.listen-address=127.0.0.1:" + port,
                "--config.file=" + config));
    String readyAuth = null;
    if (basicAuth != null) {
      Path web = dir.resolve("web.yml");
      Files.writeString(
          web,
          "basic_auth_users:\n  "
              + basicAuth[0]
              + ": "
              + java.util.Objects.requireNonNull(
                  BCRYPT_HASHES.get(basicAuth[1]), "no bcrypt hash for that password")
              + "\n");
      command.add("--web.config.file=" + web);
      readyAuth =
          "Basic "
              + java.util.Base64.getEncoder()
                  .encodeToString(
                      (basicAuth[0] + ":" + basicAuth[1]).getBytes(StandardCharsets.UTF_8));
    }
    String authorization = readyAuth;
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () ->
                  http.send(ready(authorization), HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 200);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** bcrypt hashes (cost 4, from Python's bcrypt) of the passwords tests may use. */
  static final java.util.Map<String, String> BCRYPT_HASHES =
      java.util.Map.of(
          "prom-secret", "$2b$04$V1ZAymMzaYY58.G27UuKGeLIgZCi5v505h/c1bqJ36pyyJz7uUZDS");

  private HttpRequest ready(String authorization) {
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/-/ready"));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request.build();
  }

  static String openMetrics(List<Series> series, long endSeconds) {
    StringBuilder sb = new StringBuilder();
    String family = null;
    for (Series s : series) {
      if (!s.family().equals(family)) {
        family = s.family();
        sb.append("# TYPE ").append(family).append(' ').append(s.type()).append('\n');
      }
      long start = endSeconds - s.values().length + 1;
      for (int i = 0; i < s.values().length; i++) {
        sb.append(s.name())
            .append('{')
            .append(s.labels())
            .append("} ")
            .append(String.format(Locale.ROOT, "%.6f", s.values()[i]))
            .append(' ')
            .append(start + i)
            .append('\n');
      }
    }
    return sb.append("# EOF\n").toString();
  }

  private void run(String... command) throws IOException, InterruptedException {
    Path log = dir.resolve("promtool.log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("promtool failed: " + Files.readString(log));
    }
  }

  @Override
  public void close() throws IOException {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
