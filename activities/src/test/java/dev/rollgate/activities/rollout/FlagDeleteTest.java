package dev.rollgate.activities.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.RedisConnections;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagDeletion;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.flags.FlagsRedisLayout;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a flag end to end, against the real embedded PostgreSQL and Redis and a real {@link
 * FlagsClient}: the store's tombstone and audit row, the publisher's deletion message, and what
 * clients serve afterwards (nothing: the caller's default), also when the deletion was made while
 * Redis was down.
 */
class FlagDeleteTest {
  private static final EvaluationContext ALICE = EvaluationContext.of("alice");

  private TestInfra infra;
  private ClientResources resources;
  private RedisClient redisClient;
  private FlagPublisher publisher;
  private FlagStore store;
  private FlagsClient client;
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
    publisher.reseedOnReconnect(store::list, store::deletions);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      client.close();
    }
    publisher.close();
    redisClient.shutdown();
    resources.shutdown();
    infra.close();
  }

  /** A flag on for everyone, published. */
  private FlagDefinition createOn(String flag) {
    return createOn(flag, "create/" + flag);
  }

  private FlagDefinition createOn(String flag, String key) {
    FlagDefinition def =
        store
            .apply(
                new FlagStore.Change(
                    flag, d -> d.withRolloutBasisPoints(10_000), true, key, "alice", null, null))
            .definition();
    publisher.publish(def);
    return def;
  }

  private FlagStore.Deleted delete(String flag, String key) {
    return store.delete(new FlagStore.Deletion(flag, key, "bob", "rolled out, code removed"));
  }

  /** A client whose poller does not run during the test: only start(), pushes and reconnects. */
  private FlagsClient startClient() {
    client =
        FlagsClient.builder()
            .redisUri(infra.redisUri())
            .pollInterval(Duration.ofMinutes(10))
            .build()
            .start();
    return client;
  }

  private String redis(String hash, String field) {
    RedisClient admin = RedisClient.create(infra.redisUri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      return c.sync().hget(hash, field);
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void deleteRemovesTheFlagWritesItsTombstoneAndAuditsItInOneGo() {
    createOn("old_banner");
    store.apply(
        new FlagStore.Change(
            "old_banner", d -> d.withKilled(true), false, "kill/old_banner", "carol", null, null));

    FlagStore.Deleted deleted = delete("old_banner", "delete/old_banner");

    assertThat(deleted.written()).isTrue();
    assertThat(deleted.deletion()).isEqualTo(new FlagDeletion("old_banner", 3));
    assertThat(store.find("old_banner")).isEmpty();
    assertThat(store.list()).extracting(FlagDefinition::name).doesNotContain("old_banner");
    assertThat(store.deletions()).containsExactly(new FlagDeletion("old_banner", 3));
    Record tombstone =
        infra.db.fetchOne(
            "select version, actor, reason, deleted, definition::text from"
                + " rollgate_flag_change where idempotency_key = ?",
            "delete/old_banner");
    assertThat(tombstone.get(0, Long.class)).isEqualTo(3);
    assertThat(tombstone.get(1, String.class)).isEqualTo("bob");
    assertThat(tombstone.get(2, String.class)).isEqualTo("rolled out, code removed");
    assertThat(tombstone.get(3, Boolean.class)).isTrue();
    assertThat(FlagCodec.fromJson(tombstone.get(4, String.class)).killed())
        .as("the tombstone keeps the flag as it was")
        .isTrue();
    Record audit =
        infra.db.fetchOne(
            "select actor, action, details from rollgate_audit where idempotency_key = ?",
            "flag-deleted/delete/old_banner");
    assertThat(audit.get(0, String.class)).isEqualTo("bob");
    assertThat(audit.get(1, String.class)).isEqualTo("flag-deleted");
    assertThat(audit.get(2, String.class))
        .isEqualTo("old_banner v3: deleted at 100.0 %, killed (rolled out, code removed)");

    // the same key again is the same deletion, not a second one and not an error
    FlagStore.Deleted replayed = delete("old_banner", "delete/old_banner");
    assertThat(replayed.written()).isFalse();
    assertThat(replayed.deletion()).isEqualTo(deleted.deletion());
    assertThat(
            infra.db.fetchCount(
                infra
                    .db
                    .selectFrom("rollgate_audit")
                    .where("action = 'flag-deleted' and details like 'old_banner %'")))
        .isEqualTo(1);
  }

  @Test
  void anUnknownOrAlreadyDeletedFlagIsNotFoundAndNothingIsWritten() {
    assertThatThrownBy(() -> delete("never_was", "delete/never_was"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.getOriginalMessage()).isEqualTo("flag 'never_was' does not exist");
            });
    createOn("twice");
    delete("twice", "delete/twice/1");
    assertThatThrownBy(() -> delete("twice", "delete/twice/2"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("NOT_FOUND"));
    assertThat(
            infra.db.fetchCount(
                infra.db.selectFrom("rollgate_audit").where("action = 'flag-deleted'")))
        .isEqualTo(1);
  }

  @Test
  void aFlagCreatedAgainContinuesFromTheDeletionsVersionAndReachesClients() {
    createOn("reborn");
    startClient();
    publisher.publish(delete("reborn", "delete/reborn").deletion());
    await().atMost(Duration.ofSeconds(1)).until(() -> !client.snapshot().contains("reborn"));

    FlagDefinition again = createOn("reborn", "create-again/reborn");

    assertThat(again.version()).as("1 = created, 2 = deleted, 3 = created again").isEqualTo(3);
    assertThat(store.deletions()).isEmpty();
    assertThat(redis(FlagsRedisLayout.DELETED_KEY, "reborn")).isNull();
    await().atMost(Duration.ofSeconds(1)).until(() -> client.isEnabled("reborn", ALICE));
  }

  @Test
  void aClientDropsTheDeletedFlagWithinASecondAndServesTheCallersDefault() {
    createOn("old_banner");
    createOn("kept");
    startClient();
    assertThat(client.isEnabled("old_banner", ALICE, false)).isTrue();

    FlagDeletion deletion = delete("old_banner", "delete/old_banner").deletion();
    long start = System.nanoTime();
    assertThat(publisher.publish(deletion)).isTrue();
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> !client.snapshot().contains("old_banner"));
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(millis).as("ms from publish to the flag gone").isLessThan(1_000);
    assertThat(client.isEnabled("old_banner", ALICE, false)).isFalse();
    assertThat(client.isEnabled("old_banner", ALICE, true)).as("the caller's default").isTrue();
    assertThat(client.isEnabled("kept", ALICE)).isTrue();
    assertThat(redis(FlagsRedisLayout.HASH_KEY, "old_banner")).isNull();
    assertThat(redis(FlagsRedisLayout.DELETED_KEY, "old_banner")).isEqualTo("2");

    // a late publish of the last version (a retried writer) does not bring it back
    FlagDefinition last =
        FlagDefinition.newFlag("old_banner").withVersion(1).withRolloutBasisPoints(10_000);
    assertThat(publisher.publish(last)).isFalse();
    assertThat(publisher.publish(deletion)).as("a repeated deletion is a no-op").isFalse();
    assertThat(redis(FlagsRedisLayout.HASH_KEY, "old_banner")).isNull();
    assertThat(client.refresh()).isTrue();
    assertThat(client.snapshot().contains("old_banner")).isFalse();
  }

  @Test
  void aDeletionMadeWhileRedisIsDownReachesClientsWhenRedisIsBack() throws Exception {
    createOn("outage_flag");
    startClient();
    assertThat(client.isEnabled("outage_flag", ALICE)).isTrue();

    infra.stopRedis();
    await().atMost(Duration.ofSeconds(5)).untilTrue(disconnected);
    FlagDeletion deletion = delete("outage_flag", "delete/outage_flag").deletion();
    assertThatThrownBy(() -> publisher.publish(deletion)).isInstanceOf(RuntimeException.class);
    assertThat(client.isEnabled("outage_flag", ALICE))
        .as("fail-static while Redis is down")
        .isTrue();

    // Redis comes back empty: without the reseed's tombstone the client would take the empty hash
    // for a cold cache and keep serving the deleted flag
    infra.startRedis();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !client.snapshot().contains("outage_flag"));
    assertThat(client.isEnabled("outage_flag", ALICE, false)).isFalse();
    assertThat(redis(FlagsRedisLayout.DELETED_KEY, "outage_flag")).isEqualTo("2");
  }

  @Test
  void theReseedRemovesADeletedFlagThatRedisStillHolds() {
    createOn("stale");
    createOn("live");
    startClient();
    // the deletion is committed but its publication was lost (the worker died before it)
    FlagDeletion deletion = delete("stale", "delete/stale").deletion();
    assertThat(redis(FlagsRedisLayout.HASH_KEY, "stale")).isNotNull();

    int written = publisher.reseed(store.list(), store.deletions());

    assertThat(written).as("only the deletion was missing").isEqualTo(1);
    assertThat(redis(FlagsRedisLayout.HASH_KEY, "stale")).isNull();
    assertThat(redis(FlagsRedisLayout.DELETED_KEY, "stale"))
        .isEqualTo(Long.toString(deletion.version()));
    await().atMost(Duration.ofSeconds(1)).until(() -> !client.snapshot().contains("stale"));
    assertThat(client.isEnabled("live", ALICE)).isTrue();
    assertThat(publisher.reseed(store.list(), store.deletions())).isZero();
    assertThat(List.copyOf(client.snapshot().names())).containsExactly("live");
  }
}
