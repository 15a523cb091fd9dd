package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * {@code kill -9} of the JVM running the dev stack leaves no server behind, and the next start on
 * the same ports and state directory succeeds (it used to fail with "port 54329 already in use").
 * Every scratch file stays under the state directory.
 */
class DevStackParentKillIT {
  private static final Path ROOT = Path.of("target/dev-stack-parent-kill").toAbsolutePath();
  private static final Path STATE = ROOT.resolve("state");

  /** java.io.tmpdir and TMPDIR of the dev stack's JVM: must stay empty. */
  private static final Path OUTSIDE_TMP = ROOT.resolve("tmp");

  private Process stackJvm;

  @AfterEach
  void stopStack() {
    if (stackJvm != null) {
      stackJvm.destroyForcibly();
    }
  }

  private Process startStackJvm(int postgresPort, int redisPort) throws IOException {
    Files.deleteIfExists(STATE.resolve("ready"));
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + OUTSIDE_TMP,
                "-cp",
                System.getProperty("java.class.path"),
                DevStackMain.class.getName(),
                STATE.toString(),
                Integer.toString(postgresPort),
                Integer.toString(redisPort))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(ROOT.resolve("stack.log").toFile()));
    builder.environment().put("TMPDIR", OUTSIDE_TMP.toString());
    Process jvm = builder.start();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "the dev stack JVM exited (see " + ROOT.resolve("stack.log") + ")",
            () -> !jvm.isAlive())
        .until(() -> Files.exists(STATE.resolve("ready")));
    return jvm;
  }

  /** The children the dev stack recorded in its pidfiles. */
  private static List<ProcessHandle> children() throws IOException {
    try (Stream<Path> pidFiles = Files.list(STATE.resolve("run"))) {
      return pidFiles
          .map(DevStackParentKillIT::pid)
          .flatMap(pid -> ProcessHandle.of(pid).stream())
          .toList();
    }
  }

  private static long pid(Path pidFile) {
    try {
      return Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void killedWorkerLeavesNoServerAndStartsAgainOnTheSamePorts() throws Exception {
    FileSystemUtils.deleteRecursively(ROOT);
    Files.createDirectories(OUTSIDE_TMP);
    int postgresPort = DevStack.freePort();
    int redisPort = DevStack.freePort();
    stackJvm = startStackJvm(postgresPort, redisPort);
    List<ProcessHandle> first = children();
    assertThat(first).hasSize(2).allMatch(ProcessHandle::isAlive);
    assertThat(first)
        .extracting(child -> child.parent().map(ProcessHandle::pid).orElse(-1L))
        .containsOnly(stackJvm.pid());

    stackJvm.destroyForcibly(); // SIGKILL: no shutdown hook runs

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(first).noneMatch(ProcessHandle::isAlive));
    assertThat(DevStack.isListening(postgresPort)).isFalse();
    assertThat(DevStack.isListening(redisPort)).isFalse();

    stackJvm = startStackJvm(postgresPort, redisPort);

    List<ProcessHandle> second = children();
    assertThat(second).hasSize(2).allMatch(ProcessHandle::isAlive);
    assertThat(DevStack.isListening(postgresPort)).isTrue();
    assertThat(DevStack.isListening(redisPort)).isTrue();
    try (Stream<Path> outside = Files.list(OUTSIDE_TMP)) {
      assertThat(outside).as("scratch files outside the state directory").isEmpty();
    }

    stackJvm.destroy(); // SIGTERM: the stack stops its children and removes their pidfiles
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(second).noneMatch(ProcessHandle::isAlive));
    try (Stream<Path> pidFiles = Files.list(STATE.resolve("run"))) {
      assertThat(pidFiles).isEmpty();
    }
  }
}
