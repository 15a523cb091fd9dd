package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deleted flags in the client: the message's form, the snapshot's tombstones (no late or stale
 * version brings a deleted flag back) and, against a real embedded Redis laid out as the writer
 * lays it out, a client that drops the flag at once.
 */
class FlagDeletionTest {
  private static final EvaluationContext ALICE = EvaluationContext.of("alice");

  private TestRedis redis;
  private TestRedis.Admin admin;
  private FlagsClient client;

  @AfterEach
  void stopEverything() throws Exception {
    if (client != null) {
      client.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static FlagDefinition on(String name, long version) {
    return FlagDefinition.newFlag(name).withVersion(version).withRolloutBasisPoints(10_000);
  }

  @Test
  void theDeletionMessageIsReadBackAndAClientFromBeforeDeletionsRejectsIt() {
    String json = FlagCodec.toJson(new FlagDeletion("old_banner", 7));

    assertThat(json).isEqualTo("{\"deleted\":\"old_banner\",\"version\":7}");
    assertThat(FlagCodec.messageFromJson(json)).isEqualTo(new FlagDeletion("old_banner", 7));
    assertThat(FlagCodec.messageFromJson(FlagCodec.toJson(on("x", 2)))).isEqualTo(on("x", 2));
    // what a client from before deletions does with it: a refresh failure, never a flag
    assertThatThrownBy(() -> FlagCodec.fromJson(json)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FlagCodec.messageFromJson("{\"deleted\":\"a b\",\"version\":1}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FlagCodec.messageFromJson("{\"deleted\":\"x\",\"version\":0}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version must be >= 1");
  }

  @Test
  void aDeletedFlagEvaluatesAsUnknownAndNoOlderVersionBringsItBack() {
    FlagSnapshot held = FlagSnapshot.of(List.of(on("old_banner", 3), on("kept", 1)));

    FlagSnapshot deleted = held.without(new FlagDeletion("old_banner", 4));

    assertThat(deleted.contains("old_banner")).isFalse();
    assertThat(deleted.isEnabled("old_banner", ALICE, false)).isFalse();
    assertThat(deleted.isEnabled("old_banner", ALICE, true)).isTrue();
    assertThat(deleted.isEnabled("kept", ALICE)).isTrue();
    assertThat(deleted.deletedVersion("old_banner")).contains(4L);
    // a late push of the last version, and a full load that read before the deletion
    assertThat(deleted.withFlag(on("old_banner", 3))).isSameAs(deleted);
    assertThat(deleted.withFlag(on("old_banner", 4))).isSameAs(deleted);
    assertThat(deleted.reconcile(List.of(on("old_banner", 3), on("kept", 1))).names())
        .containsExactly("kept");
    // a repeated or older deletion changes nothing; one older than the held version neither
    assertThat(deleted.without(new FlagDeletion("old_banner", 4))).isSameAs(deleted);
    assertThat(held.without(new FlagDeletion("old_banner", 2))).isSameAs(held);
    // created again: a newer version is taken, by push or by load, and the tombstone goes
    FlagSnapshot reborn = deleted.withFlag(on("old_banner", 5));
    assertThat(reborn.isEnabled("old_banner", ALICE)).isTrue();
    assertThat(reborn.deletedVersion("old_banner")).isEmpty();
    FlagSnapshot reloaded = deleted.reconcile(List.of(on("old_banner", 5), on("kept", 1)));
    assertThat(reloaded.isEnabled("old_banner", ALICE)).isTrue();
    assertThat(reloaded.deletedVersion("old_banner")).isEmpty();
  }

  @Test
  void aClientDropsAFlagWithinASecondOfItsDeletionMessage() throws Exception {
    redis = new TestRedis().start();
    admin = redis.admin();
    admin.seed(on("old_banner", 3), on("kept", 1));
    client =
        FlagsClient.builder().redisUri(redis.uri()).pollInterval(Duration.ofMinutes(10)).build();
    client.start();
    assertThat(client.isEnabled("old_banner", ALICE)).isTrue();

    // as the writer does it: HDEL, the tombstone, then the message
    admin.commands().hdel(FlagsRedisLayout.HASH_KEY, "old_banner");
    admin.commands().hset(FlagsRedisLayout.DELETED_KEY, "old_banner", "4");
    long receivers = admin.publish(FlagCodec.toJson(new FlagDeletion("old_banner", 4)));
    long waited =
        Await.millisUntil(Duration.ofSeconds(1), () -> !client.snapshot().contains("old_banner"));

    assertThat(receivers).isEqualTo(1);
    assertThat(waited).as("ms until dropped").isBetween(0L, 999L);
    assertThat(client.isEnabled("old_banner", ALICE, true)).isTrue();
    assertThat(client.isEnabled("old_banner", ALICE, false)).isFalse();
    assertThat(client.refreshFailureCount()).isZero();

    // a late push of the old version changes nothing
    admin.publish(FlagCodec.toJson(on("old_banner", 3)));
    admin.write(on("marker", 1)); // same connection, so delivered after the push above
    assertThat(Await.millisUntil(Duration.ofSeconds(1), () -> client.snapshot().contains("marker")))
        .isNotNegative();
    assertThat(client.snapshot().contains("old_banner")).isFalse();
  }

  @Test
  void anEmptyHashIsEveryFlagDeletedWhenTheTombstonesSaySoAndAColdCacheOtherwise()
      throws Exception {
    redis = new TestRedis().start();
    admin = redis.admin();
    admin.seed(on("only", 2));
    client =
        FlagsClient.builder().redisUri(redis.uri()).pollInterval(Duration.ofMinutes(10)).build();
    client.start();

    // emptied without a tombstone: a cold cache (a restarted Redis), the flag is kept
    admin.commands().hdel(FlagsRedisLayout.HASH_KEY, "only");
    assertThat(client.refresh()).isFalse();
    assertThat(client.isEnabled("only", ALICE)).isTrue();

    // the deletion's tombstone says why it is empty (the client missed the message): dropped
    admin.commands().hset(FlagsRedisLayout.DELETED_KEY, "only", "3");
    assertThat(client.refresh()).isTrue();
    assertThat(client.snapshot().contains("only")).isFalse();
  }
}
