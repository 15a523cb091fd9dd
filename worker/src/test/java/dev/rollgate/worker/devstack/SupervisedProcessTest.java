package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pidfile check at start: stops a leftover child, never an unrelated process. */
class SupervisedProcessTest {
  @TempDir Path run;
  private Process sleeper;

  @AfterEach
  void stopSleeper() {
    if (sleeper != null) {
      sleeper.destroyForcibly();
    }
  }

  private Process sleeper() throws Exception {
    sleeper = new ProcessBuilder("sleep", "300").start();
    return sleeper;
  }

  private static long startMillis(Process process) {
    return process.info().startInstant().orElseThrow().toEpochMilli();
  }

  @Test
  void leftoverNamedByItsPidfileIsStopped() throws Exception {
    Process leftover = sleeper();
    Path pidFile = run.resolve("redis.pid");
    Files.writeString(pidFile, leftover.pid() + " " + startMillis(leftover) + "\n");

    SupervisedProcess.stopLeftover(pidFile, "redis", "TERM");

    await().atMost(Duration.ofSeconds(5)).until(() -> !leftover.isAlive());
    assertThat(pidFile).doesNotExist();
  }

  @Test
  void processReusingTheRecordedPidIsLeftAlone() throws Exception {
    Process unrelated = sleeper();
    Path pidFile = run.resolve("redis.pid");
    Files.writeString(pidFile, unrelated.pid() + " " + (startMillis(unrelated) - 60_000) + "\n");

    SupervisedProcess.stopLeftover(pidFile, "redis", "TERM");

    assertThat(unrelated.isAlive()).isTrue();
    assertThat(pidFile).doesNotExist();
  }

  @Test
  void serverPidfileWithoutStartTimeStopsOnlyAProcessOfThatName() throws Exception {
    Process sleep = sleeper();
    Path pidFile = run.resolve("postmaster.pid");
    Files.writeString(pidFile, sleep.pid() + "\n/data/dir\n");

    SupervisedProcess.stopLeftover(pidFile, "postgres", "INT");
    assertThat(sleep.isAlive()).as("not a postgres").isTrue();

    SupervisedProcess.stopLeftover(pidFile, "sleep", "INT");
    await().atMost(Duration.ofSeconds(5)).until(() -> !sleep.isAlive());
    assertThat(pidFile).as("the server's own lock file is left to the server").exists();
  }
}
