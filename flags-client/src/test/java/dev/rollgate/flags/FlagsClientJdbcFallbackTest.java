package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlagsClientJdbcFallbackTest {

  private static EmbeddedPostgres postgres;
  private static final EvaluationContext ALICE = EvaluationContext.of("alice");

  @BeforeAll
  static void startPostgres() throws Exception {
    TestRedis.ensureTempDirectory();
    postgres = EmbeddedPostgres.builder().start();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "create table rollgate_flag (name text primary key, version bigint not null,"
              + " definition jsonb not null, updated_at timestamptz not null)");
    }
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void emptyTable() throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("delete from rollgate_flag");
    }
  }

  private static void insert(FlagDefinition flag) throws Exception {
    insertRaw(flag.name(), flag.version(), FlagCodec.toJson(flag));
  }

  private static void insertRaw(String name, long version, String json) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "insert into rollgate_flag (name, version, definition, updated_at)"
                    + " values (?, ?, ?::jsonb, now())")) {
      ps.setString(1, name);
      ps.setLong(2, version);
      ps.setString(3, json);
      ps.executeUpdate();
    }
  }

  private static String unreachableRedis() {
    return "redis://127.0.0.1:" + TestRedis.freePort();
  }

  @Test
  void loadsTheSnapshotFromPostgresWhenRedisIsUnreachableAtStart() throws Exception {
    insert(FlagDefinition.newFlag("checkout").withVersion(4).withRolloutBasisPoints(10_000));
    insert(FlagDefinition.newFlag("search").withVersion(2).withKilled(true));
    insertRaw("broken", 1, "{\"name\": \"bad name\"}");

    try (FlagsClient client =
        FlagsClient.builder()
            .redisUri(unreachableRedis())
            .pollInterval(Duration.ofMinutes(10))
            .jdbc(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")
            .build()
            .start()) {

      assertThat(client.snapshot().names()).containsExactlyInAnyOrder("checkout", "search");
      assertThat(client.snapshot().flag("checkout").orElseThrow().version()).isEqualTo(4);
      assertThat(client.isEnabled("checkout", ALICE)).isTrue();
      assertThat(client.isEnabled("search", ALICE)).isFalse();
      assertThat(client.refreshFailureCount()).as("the Redis attempt failed").isEqualTo(1);
      assertThat(client.lastRefreshFailure())
          .hasValueSatisfying(f -> assertThat(f.source()).isEqualTo("redis"));
      assertThat(client.snapshotAgeMillis()).isLessThan(5_000);
    }
  }

  @Test
  void pollerFallsBackToPostgresAgainWhileRedisStaysDown() throws Exception {
    insert(FlagDefinition.newFlag("checkout").withVersion(1));

    try (FlagsClient client =
        FlagsClient.builder()
            .redisUri(unreachableRedis())
            .pollInterval(Duration.ofMillis(200))
            .jdbc(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")
            .build()
            .start()) {
      assertThat(client.isEnabled("checkout", ALICE)).isFalse();

      try (Connection c = postgres.getPostgresDatabase().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "update rollgate_flag set version = 2, definition = ?::jsonb"
                      + " where name = 'checkout'")) {
        ps.setString(
            1,
            FlagCodec.toJson(
                FlagDefinition.newFlag("checkout").withVersion(2).withRolloutBasisPoints(10_000)));
        ps.executeUpdate();
      }

      assertThat(
              Await.millisUntil(Duration.ofSeconds(10), () -> client.isEnabled("checkout", ALICE)))
          .isNotNegative();
    }
  }

  @Test
  void startSucceedsWithAnEmptySnapshotWhenRedisAndPostgresAreBothDown() {
    try (FlagsClient client =
        FlagsClient.builder()
            .redisUri(unreachableRedis())
            .pollInterval(Duration.ofMinutes(10))
            .jdbc(
                "jdbc:postgresql://127.0.0.1:" + TestRedis.freePort() + "/postgres",
                "postgres",
                "postgres")
            .build()
            .start()) {

      assertThat(client.snapshot().size()).isZero();
      assertThat(client.isEnabled("checkout", ALICE, true)).isTrue();
      assertThat(client.refreshFailureCount()).isEqualTo(2);
      assertThat(client.lastRefreshFailure())
          .hasValueSatisfying(f -> assertThat(f.source()).isEqualTo("jdbc"));
    }
  }

  @Test
  void jdbcOnlyClientLoadsFromPostgres() throws Exception {
    insert(FlagDefinition.newFlag("checkout").withVersion(1).withRolloutBasisPoints(10_000));

    try (FlagsClient client =
        FlagsClient.builder()
            .jdbc(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")
            .pollInterval(Duration.ofMinutes(10))
            .build()
            .start()) {
      assertThat(client.isEnabled("checkout", ALICE)).isTrue();
      assertThat(client.lastRefreshFailure()).isEmpty();
    }
  }
}
