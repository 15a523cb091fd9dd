package dev.rollgate.activities.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.RedisConnections;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsRedisLayout;
import dev.rollgate.workflows.rollout.FlagActivities;
import dev.rollgate.workflows.rollout.FlagChange;
import dev.rollgate.workflows.rollout.FlagState;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away and comes back empty (a restart without persistence), against the real embedded
 * Redis and PostgreSQL. No periodic reseed runs here: whatever repopulates Redis is the reconnect.
 */
class FlagRedisOutageTest {
  private TestInfra infra;
  private ClientResources resources;
  private RedisClient redisClient;
  private FlagPublisher publisher;
  private FlagStore store;
  private SimpleMeterRegistry metrics;
  private TestActivityEnvironment env;
  private FlagActivities activities;
  private final AtomicBoolean disconnected = new AtomicBoolean();

  @BeforeEach
  void setUp() throws Exception {
    infra = new TestInfra();
    resources = RedisConnections.resources();
    redisClient = RedisConnections.client(resources, infra.redisUri());
    redisClient.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            disconnected.set(true);
          }
        });
    publisher = new FlagPublisher(redisClient);
    store = new FlagStore(infra.db, Clock.systemUTC());
    publisher.reseedOnReconnect(store::list);
    metrics = new SimpleMeterRegistry();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new FlagActivitiesImpl(store, publisher, metrics));
    activities = env.newActivityStub(FlagActivities.class);
  }

  @AfterEach
  void tearDown() throws Exception {
    env.close();
    publisher.close();
    redisClient.shutdown();
    resources.shutdown();
    infra.close();
  }

  private FlagDefinition create(String flag) {
    FlagDefinition def =
        store
            .apply(new FlagStore.Change(flag, d -> d, true, "create/" + flag, "alice", null, null))
            .definition();
    publisher.publish(def);
    return def;
  }

  /** The Redis hash as a fresh client reads it: flag name → version. */
  private Map<String, Long> redisVersions() {
    RedisClient admin = RedisClient.create(infra.redisUri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      Map<String, String> hash = c.sync().hgetall(FlagsRedisLayout.HASH_KEY);
      return hash.entrySet().stream()
          .collect(
              java.util.stream.Collectors.toMap(
                  Map.Entry::getKey, e -> FlagCodec.fromJson(e.getValue()).version()));
    } finally {
      admin.shutdown();
    }
  }

  private void awaitPublisherDisconnected() {
    await().atMost(Duration.ofSeconds(5)).untilTrue(disconnected);
  }

  @Test
  void publishedFlagsAreReseededAtOnceWhenRedisComesBackEmpty() throws Exception {
    create("alpha");
    create("beta");
    assertThat(redisVersions()).containsEntry("alpha", 1L).containsEntry("beta", 1L);

    infra.stopRedis();
    awaitPublisherDisconnected();
    // written while Redis is down: PostgreSQL has it, Redis never saw it
    store.apply(
        new FlagStore.Change(
            "beta", d -> d.withRolloutBasisPoints(5_000), false, "down/beta", "bob", null, null));
    infra.startRedis();

    long start = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> assertThat(redisVersions()).containsEntry("alpha", 1L).containsEntry("beta", 2L));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).as("ms from Redis start to a complete hash").isLessThan(5_000);
  }

  @Test
  void changeCommittedWhileRedisIsDownSucceedsAndIsPublishedWhenRedisIsBack() throws Exception {
    create("gamma");
    infra.stopRedis();
    awaitPublisherDisconnected();

    FlagState state =
        activities.apply(new FlagChange("gamma", 25, false, "rollout/gamma/step-1", "rg", "s1", 0));

    assertThat(state.version()).isEqualTo(2);
    assertThat(state.percent()).isEqualTo(25.0);
    assertThat(store.find("gamma").orElseThrow().rolloutBasisPoints()).isEqualTo(2_500);
    assertThat(metrics.counter("rollgate.flag.publish.pending").count()).isEqualTo(1.0);

    infra.startRedis();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(redisVersions()).containsEntry("gamma", 2L));
  }

  @Test
  void publisherMadeWhileRedisIsDownConnectsAndPublishesTheLatestVersionsOnceItIsBack()
      throws Exception {
    create("delta");
    infra.stopRedis();
    awaitPublisherDisconnected();
    publisher.close(); // only the late publisher may bring Redis up to date
    // a second publisher, as a worker started during the outage makes it: this used to throw
    FlagPublisher late = new FlagPublisher(redisClient);
    try {
      late.reseedOnReconnect(store::list);
      assertThat(late.connected()).isFalse();
      FlagActivitiesImpl lateActivities = new FlagActivitiesImpl(store, late, metrics);
      TestActivityEnvironment lateEnv = TestActivityEnvironment.newInstance();
      lateEnv.registerActivitiesImplementations(lateActivities);
      try {
        FlagState state =
            lateEnv
                .newActivityStub(FlagActivities.class)
                .apply(new FlagChange("delta", 40, false, "rollout/delta/step-1", "rg", "s1", 0));
        assertThat(state.version()).isEqualTo(2);
      } finally {
        lateEnv.close();
      }
      assertThat(metrics.counter("rollgate.flag.publish.pending").count()).isEqualTo(1.0);

      infra.startRedis();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(() -> assertThat(redisVersions()).containsEntry("delta", 2L));
      await().atMost(Duration.ofSeconds(5)).until(late::connected);
      FlagDefinition next =
          store
              .apply(
                  new FlagStore.Change(
                      "delta",
                      d -> d.withRolloutBasisPoints(5_000),
                      false,
                      "up/delta",
                      "bob",
                      null,
                      null))
              .definition();
      assertThat(late.publish(next)).isTrue();
      assertThat(redisVersions()).containsEntry("delta", 3L);
    } finally {
      late.close();
    }
  }
}
