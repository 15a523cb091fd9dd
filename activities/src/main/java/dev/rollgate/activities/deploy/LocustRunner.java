package dev.rollgate.activities.deploy;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.activities.Tools;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.LoadTest;
import dev.rollgate.workflows.deploy.LoadTestResult;
import dev.rollgate.workflows.release.Words;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs a Locust load test headless ({@code locust -f F --headless -u U -r R -t Ns --csv DIR/stats
 * --host HOST --only-summary}) in a temporary folder it deletes afterwards, heartbeating while it
 * runs and killing Locust when a heartbeat throws (the activity was cancelled), then judges the
 * "Aggregated" row of {@code stats_stats.csv}.
 */
public class LocustRunner {
  /**
   * Locust stops spawning after {@code -t}, then waits for running tasks; past this it is killed.
   */
  private static final Duration GRACE = Duration.ofSeconds(60);

  /** Locust installed, a readable locustfile, sensible numbers: else {@code INVALID_INPUT}. */
  public void validate(LoadTest t) {
    if (Tools.LOCUST.find().isEmpty()) {
      throw FailureType.INVALID_INPUT.permanent(Tools.LOCUST.missing());
    }
    if (t == null || t.locustfile() == null || t.locustfile().isBlank()) {
      throw FailureType.INVALID_INPUT.permanent("the load test needs a locustfile");
    }
    Path file = Path.of(t.locustfile());
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw FailureType.INVALID_INPUT.permanent(
          "locustfile " + file.toAbsolutePath() + " does not exist or is not readable");
    }
    if (t.users() < 1 || t.spawnRate() < 1) {
      throw FailureType.INVALID_INPUT.permanent(
          "a load test needs at least 1 user and a spawn rate of at least 1/s");
    }
    if (t.duration() == null || t.duration().compareTo(Duration.ofSeconds(1)) < 0) {
      throw FailureType.INVALID_INPUT.permanent("a load test must run at least 1s");
    }
    if (!(t.maxFailureRatio() >= 0 && t.maxFailureRatio() <= 1) || !(t.maxP95Millis() > 0)) {
      throw FailureType.INVALID_INPUT.permanent(
          "a load test's failure ratio limit must be 0..1 and its p95 limit above 0 ms");
    }
  }

  public LoadTestResult run(LoadTest t, String host, Consumer<String> heartbeat) {
    validate(t);
    if (host == null || !(host.startsWith("http://") || host.startsWith("https://"))) {
      throw FailureType.INVALID_INPUT.permanent(
          "load test host '" + host + "' must be an http:// or https:// URL");
    }
    Path dir = null;
    Process process = null;
    try {
      dir = Files.createTempDirectory(tmp(), "rollgate-locust-");
      Path log = dir.resolve("locust.log");
      List<String> command =
          List.of(
              Tools.LOCUST.require().toString(),
              "-f",
              Path.of(t.locustfile()).toAbsolutePath().toString(),
              "--headless",
              "-u",
              String.valueOf(t.users()),
              "-r",
              String.valueOf(t.spawnRate()),
              "-t",
              Math.max(1, t.duration().toSeconds()) + "s",
              "--csv",
              dir.resolve("stats").toString(),
              "--host",
              host,
              "--only-summary");
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      long deadline = System.nanoTime() + t.duration().plus(GRACE).toNanos();
      long started = System.nanoTime();
      while (!process.waitFor(1, TimeUnit.SECONDS)) {
        if (System.nanoTime() > deadline) {
          throw FailureType.UNAVAILABLE.transientFailure(
              "locust did not finish within " + Words.duration(t.duration().plus(GRACE)), null);
        }
        heartbeat.accept(
            "load test running for "
                + Words.duration(Duration.ofNanos(System.nanoTime() - started))
                + " of "
                + Words.duration(t.duration()));
      }
      int exit = process.exitValue();
      Path csv = dir.resolve("stats_stats.csv");
      // Locust exits 1 when any request failed: the CSV still tells how many
      if ((exit != 0 && exit != 1) || !Files.isRegularFile(csv)) {
        throw FailureType.INVALID_INPUT.permanent(
            "locust exited with " + exit + " and no statistics: " + tail(log));
      }
      return judge(aggregated(Files.readString(csv, StandardCharsets.UTF_8)), t);
    } catch (IOException e) {
      throw FailureType.UNAVAILABLE.transientFailure(
          "running locust: " + FailureType.rootMessage(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.transientFailure("interrupted while locust ran", e);
    } finally {
      if (process != null) {
        kill(process);
      }
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  /** The Aggregated row's figures. */
  record Aggregated(long requests, long failures, double p95Millis, double requestsPerSecond) {}

  static Aggregated aggregated(String csv) {
    List<List<String>> rows = Csv.parse(csv);
    if (rows.isEmpty()) {
      throw FailureType.INVALID_INPUT.permanent("locust's stats CSV is empty");
    }
    List<String> header = rows.get(0);
    int name = column(header, "Name");
    for (List<String> row : rows.subList(1, rows.size())) {
      if (row.size() > name && row.get(name).equals("Aggregated")) {
        return new Aggregated(
            (long) number(row.get(column(header, "Request Count"))),
            (long) number(row.get(column(header, "Failure Count"))),
            number(row.get(column(header, "95%"))),
            number(row.get(column(header, "Requests/s"))));
      }
    }
    throw FailureType.INVALID_INPUT.permanent("locust's stats CSV has no Aggregated row");
  }

  static LoadTestResult judge(Aggregated a, LoadTest t) {
    double ratio = a.requests() == 0 ? 0 : (double) a.failures() / a.requests();
    boolean ratioOk = ratio <= t.maxFailureRatio();
    boolean p95Ok = !Double.isNaN(a.p95Millis()) && a.p95Millis() <= t.maxP95Millis();
    boolean passed = a.requests() > 0 && ratioOk && p95Ok;
    String detail =
        a.requests() == 0
            ? "load test: no requests were made"
            : "load test: "
                + a.requests()
                + " requests, "
                + a.failures()
                + " failed ("
                + Words.percent(100 * ratio)
                + " % "
                + (ratioOk ? "<= " : "> ")
                + Words.percent(100 * t.maxFailureRatio())
                + " %), p95 "
                + PrometheusClient.number(a.p95Millis())
                + " ms "
                + (p95Ok ? "<= " : "> ")
                + PrometheusClient.number(t.maxP95Millis())
                + " ms, "
                + PrometheusClient.number(a.requestsPerSecond())
                + " req/s";
    return new LoadTestResult(
        a.requests(), a.failures(), ratio, a.p95Millis(), a.requestsPerSecond(), passed, detail);
  }

  private static int column(List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw FailureType.INVALID_INPUT.permanent(
          "locust's stats CSV has no '" + name + "' column (header: " + header + ")");
    }
    return i;
  }

  private static double number(String s) {
    return s.isBlank() || s.equals("N/A") ? Double.NaN : Double.parseDouble(s);
  }

  private static Path tmp() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    return tmp;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Stops Locust and its children: politely, then forcibly after 5 s. */
  private static void kill(Process process) {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** RFC 4180 CSV: quoted fields, doubled quotes, commas and line breaks inside quotes. */
  static final class Csv {
    private Csv() {}

    static List<List<String>> parse(String text) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      boolean any = false;
      for (int i = 0; i < text.length(); i++) {
        char ch = text.charAt(i);
        any = true;
        if (quoted) {
          if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else if (ch == '"') {
            quoted = false;
          } else {
            field.append(ch);
          }
        } else if (ch == '"') {
          quoted = true;
        } else if (ch == ',') {
          row.add(field.toString());
          field.setLength(0);
        } else if (ch == '\n' || ch == '\r') {
          if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          row.add(field.toString());
          field.setLength(0);
          rows.add(row);
          row = new ArrayList<>();
          any = false;
        } else {
          field.append(ch);
        }
      }
      if (any) {
        row.add(field.toString());
        rows.add(row);
      }
      return rows;
    }
  }
}
