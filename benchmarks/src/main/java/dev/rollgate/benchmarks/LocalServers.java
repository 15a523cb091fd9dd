package dev.rollgate.benchmarks;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.embedded.RedisServer;

/**
 * Embedded servers for the benchmarks, bound to 127.0.0.1. They unpack their binaries under {@code
 * java.io.tmpdir}; the documented commands point it at {@code benchmarks/target/tmp}.
 */
final class LocalServers {

  /**
   * Netty (and so lettuce) logs through java.util.logging when SLF4J is bound to its no-op logger;
   * each {@code FlagsClient} would print an INFO line. Held here so the setting is not collected.
   */
  private static final Logger LETTUCE_LOG = Logger.getLogger("io.lettuce.core");

  private LocalServers() {}

  /** Only warnings from lettuce. */
  static void quietLettuceLogging() {
    LETTUCE_LOG.setLevel(Level.WARNING);
  }

  /** {@code java.io.tmpdir}, created if missing (embedded servers fail on a missing one). */
  static Path tempDirectory() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tmp;
  }

  /** A TCP port that was free on 127.0.0.1 a moment ago. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An embedded Redis without persistence on 127.0.0.1:{@code port}, started. */
  static RedisServer startRedis(int port) throws IOException {
    tempDirectory();
    RedisServer server =
        RedisServer.newRedisServer()
            .port(port)
            .bind("127.0.0.1")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    server.start();
    return server;
  }

  /**
   * An embedded PostgreSQL, started. It keeps PostgreSQL's default {@code listen_addresses =
   * localhost} (loopback only). Note that zonky starts it with {@code fsync} and {@code
   * synchronous_commit} off, so a commit does not wait for a disk flush.
   */
  static EmbeddedPostgres startPostgres() throws IOException {
    Path tmp = tempDirectory();
    Path work = Files.createDirectories(tmp.resolve("embedded-pg"));
    return EmbeddedPostgres.builder()
        .setOverrideWorkingDirectory(work.toFile())
        // its Unix socket (PostgreSQL's default: /tmp) goes next to the data as well
        .setServerConfig("unix_socket_directories", work.toString())
        .start();
  }
}
