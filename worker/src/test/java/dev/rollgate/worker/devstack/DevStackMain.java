package dev.rollgate.worker.devstack;

import dev.rollgate.worker.RollgateProperties;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A dev stack in a JVM of its own, for tests that kill that JVM: {@code DevStackMain STATE_DIR
 * POSTGRES_PORT REDIS_PORT}. Embedded servers only (no {@code temporal} or {@code prometheus}
 * binary: Temporal is the in-process test server). Writes {@code STATE_DIR/ready} once up; stops
 * the stack on SIGTERM.
 */
public final class DevStackMain {
  private DevStackMain() {}

  /** The settings the tests use: free ports except those given, no external binaries. */
  static RollgateProperties.Dev settings(Path state, int postgresPort, int redisPort) {
    return new RollgateProperties.Dev(
        true,
        state,
        "/nonexistent/temporal",
        "/nonexistent/prometheus",
        0,
        0,
        postgresPort,
        redisPort,
        0,
        0,
        0,
        "127.0.0.1:1",
        "127.0.0.1:1",
        "/nonexistent/bao");
  }

  public static void main(String[] args) throws Exception {
    Path state = Path.of(args[0]);
    DevStack stack =
        DevStack.start(settings(state, Integer.parseInt(args[1]), Integer.parseInt(args[2])));
    Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
    Files.writeString(state.resolve("ready"), "up\n");
    Thread.currentThread().join();
  }
}
