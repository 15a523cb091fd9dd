package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.boot.health.contributor.Status;

/**
 * A supervised child killed with SIGKILL comes back by itself, with health DOWN meanwhile and UP
 * after; its data survives.
 */
class DevStackSupervisionIT {
  private static final Duration RESTARTED_WITHIN = Duration.ofSeconds(30);
  private DevStack stack;

  private DevStack start(TestInfo test) {
    Path state = Path.of("target/dev-stack-supervision", test.getTestMethod().get().getName());
    stack = DevStack.start(DevStackMain.settings(state, 0, 0));
    return stack;
  }

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private SupervisedProcess.Status child(String name) {
    return stack.children().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  private static void sigkill(long pid) {
    assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();
  }

  @Test
  void killedRedisIsRestartedWhileHealthSaysDown(TestInfo test) {
    start(test);
    DevStackHealthIndicator health = new DevStackHealthIndicator(stack);
    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    long pid = child("redis").pid();

    sigkill(pid);

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> {
              var down = health.health();
              assertThat(down.getStatus()).isEqualTo(Status.DOWN);
              assertThat(down.getDetails().get("redis"))
                  .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                  .containsEntry("status", "DOWN (restarting)");
            });
    await()
        .atMost(RESTARTED_WITHIN)
        .untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.UP));
    assertThat(child("redis").pid()).isNotEqualTo(pid);
    assertThat(child("redis").restarts()).isEqualTo(1);
    assertThat(ProcessHandle.of(pid)).isEmpty();
    RedisClient redis = RedisClient.create((String) stack.properties().get("rollgate.redis.url"));
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      assertThat(connection.sync().ping()).isEqualTo("PONG");
    } finally {
      redis.shutdown();
    }
  }

  @Test
  void leftoverServerOfAnEarlierRunIsStoppedAndItsPortReused(TestInfo test) throws Exception {
    // what a killed dev stack leaves when the parent-death signal cannot be used: a server still
    // listening, named by its pidfile
    Path state = Path.of("target/dev-stack-supervision", test.getTestMethod().get().getName());
    int port = DevStack.freePort();
    Process leftover =
        new ProcessBuilder(
                EmbeddedBinaries.redisServer(state.resolve("bin")).toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "")
            .start();
    await().atMost(Duration.ofSeconds(10)).until(() -> DevStack.isListening(port));
    Files.createDirectories(state.resolve("run"));
    Files.writeString(
        state.resolve("run/redis.pid"),
        leftover.pid() + " " + leftover.info().startInstant().orElseThrow().toEpochMilli());

    stack = DevStack.start(DevStackMain.settings(state, 0, port));

    assertThat(leftover.isAlive()).isFalse();
    assertThat(child("redis").up()).isTrue();
    assertThat(child("redis").pid()).isNotEqualTo(leftover.pid());
    assertThat(child("redis").port()).isEqualTo(port);
  }

  @Test
  void killedPostgresIsRestartedWithItsData(TestInfo test) throws Exception {
    start(test);
    Map<String, Object> props = stack.properties();
    String url = (String) props.get("spring.datasource.url");
    try (Connection db = DriverManager.getConnection(url, "postgres", "")) {
      db.createStatement().execute("drop table if exists survivor");
      db.createStatement().execute("create table survivor (v text)");
      db.createStatement().execute("insert into survivor values ('kept')");
    }
    long pid = child("postgres").pid();

    sigkill(pid);

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> stack.isDownOrSettling("postgres", Duration.ZERO));
    await()
        .atMost(RESTARTED_WITHIN)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              try (Connection db = DriverManager.getConnection(url, "postgres", "");
                  var rows = db.createStatement().executeQuery("select v from survivor")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("kept");
              }
            });
    assertThat(child("postgres").up()).isTrue();
    assertThat(child("postgres").pid()).isNotEqualTo(pid);
  }
}
