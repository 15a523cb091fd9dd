package dev.rollgate.flags;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/** An embedded Redis on a free port that can be stopped and restarted on the same port. */
final class TestRedis implements AutoCloseable {

  private final int port;
  private RedisServer server;

  TestRedis() {
    ensureTempDirectory();
    this.port = freePort();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Surefire points java.io.tmpdir into target/; embedded servers need it to exist. */
  static void ensureTempDirectory() {
    try {
      Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  TestRedis start() throws IOException {
    server =
        RedisServer.newRedisServer()
            .port(port)
            .bind("127.0.0.1")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    server.start();
    return this;
  }

  void stop() throws IOException {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  Admin admin() {
    RedisClient client = RedisClient.create(uri());
    return new Admin(client, client.connect());
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  record Admin(RedisClient client, StatefulRedisConnection<String, String> connection)
      implements AutoCloseable {
    RedisCommands<String, String> commands() {
      return connection.sync();
    }

    /** Writes a flag the way the server does: HSET, then PUBLISH the same JSON. */
    long write(FlagDefinition flag) {
      String json = FlagCodec.toJson(flag);
      commands().hset(FlagsRedisLayout.HASH_KEY, flag.name(), json);
      return commands().publish(FlagsRedisLayout.CHANNEL, json);
    }

    /** Stores flags in the hash without publishing (a seeded cache). */
    void seed(FlagDefinition... flags) {
      for (FlagDefinition flag : flags) {
        commands().hset(FlagsRedisLayout.HASH_KEY, flag.name(), FlagCodec.toJson(flag));
      }
    }

    /** Publishes without touching the hash; returns how many subscribers received it. */
    long publish(String message) {
      return commands().publish(FlagsRedisLayout.CHANNEL, message);
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }
}
