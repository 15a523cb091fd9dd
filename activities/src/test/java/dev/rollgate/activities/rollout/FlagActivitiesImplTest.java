package dev.rollgate.activities.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.workflows.rollout.FlagActivities;
import dev.rollgate.workflows.rollout.FlagChange;
import dev.rollgate.workflows.rollout.FlagState;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlagActivitiesImplTest {
  private static TestInfra infra;
  private static RedisClient redisClient;
  private static FlagPublisher publisher;
  private static FlagStore store;

  private TestActivityEnvironment env;
  private FlagActivities activities;
  private String flag;
  private static int flagCounter;

  @BeforeAll
  static void startServers() throws Exception {
    infra = new TestInfra();
    redisClient = RedisClient.create(infra.redisUri());
    publisher = new FlagPublisher(redisClient);
    store = new FlagStore(infra.db, Clock.systemUTC());
  }

  @AfterAll
  static void stopServers() throws Exception {
    publisher.close();
    redisClient.shutdown();
    infra.close();
  }

  @BeforeEach
  void setUp() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new FlagActivitiesImpl(store, publisher, new SimpleMeterRegistry()));
    activities = env.newActivityStub(FlagActivities.class);
    flag = "checkout_" + (++flagCounter);
    store.apply(new FlagStore.Change(flag, d -> d, true, "create/" + flag, "alice", "test", null));
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void retriedChangeWithTheSameKeyWritesOneVersion() {
    FlagChange change =
        new FlagChange(flag, 5, false, "rollout/" + flag + "/step-0", "rg", "s1", 0);

    FlagState first = activities.apply(change);
    FlagState again = activities.apply(change);

    assertThat(first.version()).isEqualTo(2);
    assertThat(first.percent()).isEqualTo(5.0);
    assertThat(again).isEqualTo(first);
    assertThat(
            infra.db.fetchCount(
                org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("rollgate_flag_change")),
                org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("flag")).eq(flag)))
        .isEqualTo(2);
  }

  @Test
  void everyChangeIsAuditedWithWhoAndWhy() {
    activities.apply(new FlagChange(flag, 25, false, "k/" + flag, "bob", "ramp to 25", 0));

    var rows =
        infra
            .db
            .resultQuery(
                "select actor, action, details from rollgate_audit where idempotency_key = ?",
                "flag-change/k/" + flag)
            .fetch();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("actor")).isEqualTo("bob");
    assertThat(rows.get(0).get("action")).isEqualTo("flag-change");
    assertThat(rows.get(0).get("details", String.class))
        .contains(flag, "0.0 % -> 25.0 %", "ramp to 25");
  }

  @Test
  void theAuditRowCarriesTheTimeTheWorkflowGaveTheChange() {
    // a workflow's time, earlier than this worker's clock: its own next entry is 1 ms later
    long workflowTime = System.currentTimeMillis() - 60_000;
    activities.apply(new FlagChange(flag, 30, false, "t/" + flag, "rg", null, workflowTime));

    var at =
        infra
            .db
            .resultQuery(
                "select at from rollgate_audit where idempotency_key = ?", "flag-change/t/" + flag)
            .fetchOne(0, java.time.OffsetDateTime.class);
    assertThat(at.toInstant().toEpochMilli()).isEqualTo(workflowTime);
  }

  @Test
  void killSwitchIsStickyAndReachesClientsWithinMilliseconds() throws Exception {
    activities.apply(new FlagChange(flag, 100, false, "full/" + flag, "rg", null, 0));
    try (FlagsClient client = FlagsClient.builder().redisUri(infra.redisUri()).build().start()) {
      EvaluationContext user = EvaluationContext.of("user-1");
      assertThat(client.isEnabled(flag, user)).isTrue();

      long start = System.nanoTime();
      activities.apply(new FlagChange(flag, 0, true, "kill/" + flag, "carol", "incident", 0));
      await()
          .atMost(Duration.ofSeconds(2))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> !client.isEnabled(flag, user));
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);

      // a later percentage change does not revive a killed flag
      FlagState after =
          activities.apply(new FlagChange(flag, 50, false, "late/" + flag, "rg", null, 0));
      assertThat(after.killed()).isTrue();
    }
  }

  @Test
  void concurrentWritersGetContiguousVersions() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int n = i;
      futures.add(
          pool.submit(
              () ->
                  store.apply(
                      new FlagStore.Change(
                          flag,
                          d -> d.withRolloutBasisPoints(n * 10),
                          false,
                          "c/" + flag + "/" + n,
                          "w" + n,
                          null,
                          null))));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    FlagDefinition end = store.find(flag).orElseThrow();
    assertThat(end.version()).isEqualTo(41);
    assertThat(
            infra
                .db
                .resultQuery(
                    "select version from rollgate_flag_change where flag = ? order by 1", flag)
                .fetch(0, Long.class))
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 41).boxed().toList());
  }

  @Test
  void unknownFlagIsNotFoundAndBadNameIsInvalid() {
    assertThatThrownBy(() -> activities.describe("nope"))
        .rootCause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("NOT_FOUND"));
    assertThatThrownBy(() -> activities.describe("bad name'"))
        .rootCause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @Test
  void olderVersionNeverOverwritesNewerInRedis() {
    FlagDefinition v5 = store.find(flag).orElseThrow().withVersion(5);
    FlagDefinition v4 = v5.withVersion(4).withRolloutBasisPoints(9999);
    assertThat(publisher.publish(v5)).isTrue();
    assertThat(publisher.publish(v4)).isFalse();
    assertThat(publisher.publish(v5)).isFalse();
  }

  @Test
  void reseedWritesOnlyTheVersionsRedisLacks() {
    FlagDefinition current = store.find(flag).orElseThrow();
    FlagDefinition newerInRedis = current.withVersion(7);
    FlagDefinition missing = FlagDefinition.newFlag(flag + "_missing").withVersion(3);
    assertThat(publisher.publish(newerInRedis)).isTrue();

    int written = publisher.reseed(List.of(current, missing));

    assertThat(written).isEqualTo(1);
    assertThat(publisher.reseed(List.of(current, missing))).isZero();
    assertThat(publisher.reseed(List.of())).isZero();
    RedisClient admin = RedisClient.create(infra.redisUri());
    try (var redis = admin.connect()) {
      var hash = redis.sync();
      assertThat(
              dev.rollgate.flags.FlagCodec.fromJson(
                      hash.hget(dev.rollgate.flags.FlagsRedisLayout.HASH_KEY, flag))
                  .version())
          .isEqualTo(7);
      assertThat(hash.hexists(dev.rollgate.flags.FlagsRedisLayout.HASH_KEY, flag + "_missing"))
          .isTrue();
    } finally {
      admin.shutdown();
    }
  }
}
