package dev.rollgate.worker.devstack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server process of the dev stack, kept running until {@link #close()}.
 *
 * <p>Never orphaned: on Linux the process is started through {@code setpriv --pdeathsig SIG}
 * (util-linux), which asks the kernel to send it {@code SIG} the moment the thread that started it
 * dies, so {@code kill -9} of the JVM stops every child. That thread is the supervisor's single
 * long-lived thread: every start and restart runs on it. As a second line of defence the child's
 * pid and start time are written to {@code <state>/run/<name>.pid}; the next start stops a process
 * that still matches both (a pid reused by another program has another start time).
 *
 * <p>Restarted when it dies: the death is logged once (WARN), restarts follow with exponential
 * backoff (1 s doubling to 30 s; back to 1 s after a run of 30 s), and the recovery is logged once
 * (INFO). {@link #status()} says DOWN meanwhile.
 */
final class SupervisedProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SupervisedProcess.class);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration STABLE_RUN = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final String SETPRIV = findSetpriv();

  /**
   * What to run.
   *
   * @param name short name used in logs, health and the pidfile ({@code redis}, {@code postgres})
   * @param command the program and its arguments
   * @param port where it listens once ready
   * @param stopSignal sent to stop it, and by the kernel when the JVM dies ({@code TERM}, {@code
   *     INT} for PostgreSQL's fast shutdown)
   * @param readyTimeout how long a start may take
   */
  record Spec(
      String name, List<String> command, int port, String stopSignal, Duration readyTimeout) {}

  /** What health reports for one child. */
  public record Status(
      String name, boolean up, long pid, int port, int restarts, String lastExit) {}

  private final Spec spec;
  private final Path runDir;
  private final Path logFile;
  private final Map<String, String> environment;
  private final ScheduledExecutorService supervisor;

  private volatile Process process;
  private volatile boolean up;
  private volatile boolean closing;
  private volatile int restarts;
  private volatile String lastExit = "";
  private volatile Instant upSince = Instant.EPOCH;
  private Duration backoff = FIRST_BACKOFF;
  private Instant downSince;
  private volatile Runnable afterRestart = () -> {};

  SupervisedProcess(
      Spec spec,
      Path runDir,
      Path logDir,
      Map<String, String> environment,
      ScheduledExecutorService supervisor) {
    this.spec = spec;
    this.runDir = runDir;
    this.logFile = logDir.resolve(spec.name() + ".log");
    this.environment = environment;
    this.supervisor = supervisor;
  }

  String name() {
    return spec.name();
  }

  /** Runs on the supervisor thread after every restart, once the child listens again. */
  void afterRestart(Runnable action) {
    this.afterRestart = action;
  }

  boolean isUp() {
    return up;
  }

  /** Down, or up for less than {@code settle}: clients may still be reconnecting. */
  boolean isDownOrSettling(Duration settle) {
    return !up || upSince.plus(settle).isAfter(Instant.now());
  }

  Status status() {
    Process p = process;
    return new Status(spec.name(), up, p == null ? -1 : p.pid(), spec.port(), restarts, lastExit);
  }

  /** Starts the process and waits until it listens. */
  void start() throws Exception {
    try {
      supervisor
          .submit(
              () -> {
                spawn();
                return null;
              })
          .get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** Runs on the supervisor thread only, so that thread is the parent the kernel watches. */
  private void spawn() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (SETPRIV != null) {
      command.addAll(List.of(SETPRIV, "--pdeathsig", spec.stopSignal(), "--"));
    }
    command.addAll(spec.command());
    Files.createDirectories(logFile.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    Process started = builder.start();
    Files.createDirectories(runDir);
    Files.writeString(
        pidFile(),
        started.pid()
            + " "
            + started.info().startInstant().map(Instant::toEpochMilli).orElse(0L)
            + "\n");
    awaitListening(started);
    process = started;
    upSince = Instant.now();
    up = true;
    started.onExit().thenRunAsync(() -> exited(started), supervisor);
  }

  private void awaitListening(Process started) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
    while (!DevStack.isListening(spec.port())) {
      if (!started.isAlive()) {
        throw new IOException(
            spec.name()
                + " exited with "
                + started.exitValue()
                + " at start (see "
                + logFile
                + ")");
      }
      if (System.nanoTime() > deadline) {
        started.destroyForcibly();
        throw new IOException(
            spec.name() + " did not listen on " + spec.port() + " (see " + logFile + ")");
      }
      Thread.sleep(50);
    }
  }

  private void exited(Process dead) {
    if (closing || dead != process) {
      return;
    }
    up = false;
    downSince = Instant.now();
    lastExit = "exit " + dead.exitValue() + " at " + downSince;
    Duration ran = Duration.between(dead.info().startInstant().orElse(downSince), downSince).abs();
    if (ran.compareTo(STABLE_RUN) > 0) {
      backoff = FIRST_BACKOFF;
    }
    log.warn(
        "dev stack: {} (pid {}) exited with {}; restarting in {} ms (log: {})",
        spec.name(),
        dead.pid(),
        dead.exitValue(),
        backoff.toMillis(),
        logFile);
    scheduleRestart();
  }

  private void scheduleRestart() {
    supervisor.schedule(this::restart, backoff.toMillis(), TimeUnit.MILLISECONDS);
    backoff =
        backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
  }

  private void restart() {
    if (closing) {
      return;
    }
    try {
      spawn();
      restarts++;
      afterRestart.run();
      log.info(
          "dev stack: {} is back (pid {}, {} ms after it died, restart #{})",
          spec.name(),
          process.pid(),
          Duration.between(downSince, Instant.now()).toMillis(),
          restarts);
    } catch (Exception e) {
      log.debug("dev stack: restarting {} failed: {}", spec.name(), e.toString());
      scheduleRestart();
    }
  }

  private Path pidFile() {
    return runDir.resolve(spec.name() + ".pid");
  }

  /**
   * Stops the process a pidfile names if it is still the one that wrote it (same start time), or,
   * for a pidfile written by the server itself (one pid on the first line), if its command is
   * {@code name}.
   */
  static void stopLeftover(Path pidFile, String name, String signal) throws IOException {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    String[] fields = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim().split(" ");
    Optional<ProcessHandle> leftover;
    try {
      long pid = Long.parseLong(fields[0]);
      leftover = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (NumberFormatException e) {
      leftover = Optional.empty();
    }
    leftover =
        leftover.filter(
            handle ->
                fields.length > 1
                    ? handle
                        .info()
                        .startInstant()
                        .map(Instant::toEpochMilli)
                        .map(start -> start.equals(Long.parseLong(fields[1])))
                        .orElse(false)
                    : handle.info().command().map(c -> c.endsWith("/" + name)).orElse(false));
    if (leftover.isPresent()) {
      log.warn(
          "dev stack: stopping {} (pid {}) left running by an earlier dev stack",
          name,
          leftover.get().pid());
      stop(leftover.get(), signal);
    }
    if (fields.length > 1) {
      Files.deleteIfExists(pidFile); // ours; a server's own pidfile is the server's business
    }
  }

  private static void stop(ProcessHandle handle, String signal) {
    try {
      if ("TERM".equals(signal)) {
        handle.destroy();
      } else {
        new ProcessBuilder("kill", "-s", signal, Long.toString(handle.pid()))
            .inheritIO()
            .start()
            .waitFor();
      }
      handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | IOException e) {
      handle.destroyForcibly();
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closing = true;
    up = false;
    Process p = process;
    if (p != null) {
      stop(p.toHandle(), spec.stopSignal());
      try {
        Files.deleteIfExists(pidFile());
      } catch (IOException e) {
        log.debug("could not delete {}: {}", pidFile(), e.toString());
      }
    }
  }

  private static String findSetpriv() {
    Optional<String> found = DevStack.findOnPath("setpriv", null);
    if (found.isEmpty() && System.getProperty("os.name", "").startsWith("Linux")) {
      LoggerFactory.getLogger(SupervisedProcess.class)
          .warn(
              "dev stack: no `setpriv` (util-linux) on the PATH, so children outlive a killed"
                  + " worker until the next start stops them");
    }
    return found.orElse(null);
  }
}
