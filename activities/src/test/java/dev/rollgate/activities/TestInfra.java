package dev.rollgate.activities;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import redis.embedded.RedisServer;

/**
 * Real servers for activity tests: embedded PostgreSQL with Rollgate's schema, embedded Redis that
 * a test can stop and start again on the same port (an outage; it comes back empty, as a Redis
 * without persistence does).
 */
public final class TestInfra implements AutoCloseable {
  public final EmbeddedPostgres postgres;
  public final DataSource dataSource;
  public final DSLContext db;
  public final int redisPort;
  private RedisServer redis;

  public TestInfra() throws IOException {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    postgres = EmbeddedPostgres.builder().start();
    dataSource = postgres.getPostgresDatabase();
    Flyway.configure().dataSource(dataSource).load().migrate();
    db = DSL.using(dataSource, SQLDialect.POSTGRES);
    redisPort = freePort();
    startRedis();
  }

  /** Starts Redis (again) on {@link #redisPort}, empty. */
  public synchronized void startRedis() throws IOException {
    if (redis != null) {
      return;
    }
    redis =
        RedisServer.newRedisServer()
            .port(redisPort)
            .bind("127.0.0.1")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    redis.start();
  }

  /** Stops Redis; clients see the connection drop. */
  public synchronized void stopRedis() throws IOException {
    if (redis != null) {
      redis.stop();
      redis = null;
    }
  }

  public String redisUri() {
    return "redis://127.0.0.1:" + redisPort;
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    stopRedis();
    postgres.close();
  }
}
