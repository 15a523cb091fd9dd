package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlagsClientRedisTest {

  private static final Duration PUSH_DEADLINE = Duration.ofMillis(500);
  private static final EvaluationContext ALICE = EvaluationContext.of("alice");

  private TestRedis redis;
  private TestRedis.Admin admin;
  private FlagsClient client;

  @BeforeEach
  void startRedis() throws Exception {
    redis = new TestRedis().start();
    admin = redis.admin();
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (client != null) {
      client.close();
    }
    if (admin != null) {
      admin.close();
    }
    redis.close();
  }

  private static FlagDefinition on(String name, long version) {
    return FlagDefinition.newFlag(name).withVersion(version).withRolloutBasisPoints(10_000);
  }

  private static FlagDefinition off(String name, long version) {
    return FlagDefinition.newFlag(name).withVersion(version);
  }

  /** A client whose poller will not run during the test: only start() and pushes update it. */
  private FlagsClient startClientWithoutPolling(SimpleMeterRegistry registry) {
    client =
        FlagsClient.builder()
            .redisUri(redis.uri())
            .pollInterval(Duration.ofMinutes(10))
            .meterRegistry(registry)
            .build()
            .start();
    return client;
  }

  private long version(String flag) {
    return client.snapshot().flag(flag).map(FlagDefinition::version).orElse(-1L);
  }

  @Test
  void startLoadsEveryFlagFromTheRedisHash() {
    admin.seed(on("checkout", 3), off("search", 1));

    startClientWithoutPolling(null);

    assertThat(client.snapshot().names()).containsExactlyInAnyOrder("checkout", "search");
    assertThat(client.isEnabled("checkout", ALICE)).isTrue();
    assertThat(client.isEnabled("search", ALICE)).isFalse();
    assertThat(client.isEnabled("unknown", ALICE)).isFalse();
    assertThat(client.isEnabled("unknown", ALICE, true)).isTrue();
    assertThat(client.lastRefreshFailure()).isEmpty();
    assertThat(client.snapshotAgeMillis()).isBetween(0L, 5_000L);
  }

  @Test
  void publishedChangeReachesTheClientWithin500Millis() {
    admin.seed(off("checkout", 1));
    startClientWithoutPolling(null);
    assertThat(client.isEnabled("checkout", ALICE)).isFalse();

    long start = System.nanoTime();
    long receivers = admin.write(on("checkout", 2));
    long waited = Await.millisUntil(PUSH_DEADLINE, () -> client.isEnabled("checkout", ALICE));
    long total = (System.nanoTime() - start) / 1_000_000;

    assertThat(receivers).as("the client is subscribed").isEqualTo(1);
    assertThat(waited).as("push arrived").isNotNegative();
    assertThat(total).isLessThan(PUSH_DEADLINE.toMillis());
    assertThat(version("checkout")).isEqualTo(2);

    // The kill switch travels the same way.
    admin.write(on("checkout", 3).withKilled(true));
    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> !client.isEnabled("checkout", ALICE)))
        .isNotNegative();
  }

  @Test
  void pushForANewFlagAddsItWithoutAReload() {
    startClientWithoutPolling(null);
    assertThat(client.snapshot().size()).isZero();

    admin.write(on("brand_new", 1));

    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> client.isEnabled("brand_new", ALICE)))
        .isNotNegative();
  }

  @Test
  void pushWithAnOlderOrTheSameVersionIsIgnored() {
    admin.seed(on("checkout", 5));
    startClientWithoutPolling(null);

    admin.publish(FlagCodec.toJson(off("checkout", 4)));
    admin.publish(FlagCodec.toJson(off("checkout", 5)));
    admin.write(on("marker", 1)); // same connection, so delivered after the two above

    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> client.snapshot().contains("marker")))
        .isNotNegative();
    assertThat(version("checkout")).isEqualTo(5);
    assertThat(client.isEnabled("checkout", ALICE)).isTrue();
  }

  private static double exposureMeter(SimpleMeterRegistry registry, String variant) {
    return registry
        .get("rollgate.flags.exposures")
        .tag("flag", "button_color")
        .tag("variant", variant)
        .functionCounter()
        .count();
  }

  @Test
  void variantFlagsArriveThroughRedisAndCountExposuresInAMeter() {
    FlagDefinition colors =
        on("button_color", 1)
            .withVariants(
                VariationType.STRING,
                List.of(
                    new Variant(
                        "red", com.fasterxml.jackson.databind.node.TextNode.valueOf("#f00"), 5_000),
                    new Variant(
                        "blue",
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("#00f"),
                        5_000)),
                null,
                null,
                null);
    admin.seed(colors);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    startClientWithoutPolling(registry);

    String first = client.variant("button_color", ALICE).name();
    assertThat(client.stringVariation("button_color", ALICE, "none"))
        .isEqualTo(first.equals("red") ? "#f00" : "#00f");
    assertThat(exposureMeter(registry, first)).isEqualTo(2.0);

    // a pushed weight change: the variant served follows the new buckets, the meter keeps counting
    FlagDefinition changed =
        colors
            .withVersion(2)
            .withVariants(
                List.of(
                    new Variant(
                        "red",
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("#f00"),
                        first.equals("red") ? 10_000 : 0),
                    new Variant(
                        "blue",
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("#00f"),
                        first.equals("red") ? 0 : 10_000)));
    admin.write(changed);
    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> version("button_color") == 2))
        .isNotNegative();
    assertThat(client.variant("button_color", ALICE).name()).isEqualTo(first);
    assertThat(client.exposures("button_color")).containsEntry(first, 3L);
    assertThat(exposureMeter(registry, first)).isEqualTo(3.0);
    // the flag's evaluation counter, too, survives the new version: 3 evaluations so far
    assertThat(client.evaluations("button_color")).isEqualTo(3L);
    assertThat(
            registry
                .get("rollgate.flags.flag.evaluations")
                .tag("flag", "button_color")
                .functionCounter()
                .count())
        .isEqualTo(3.0);
  }

  @Test
  void undecodablePushIsCountedAsRefreshFailureAndChangesNothing() {
    admin.seed(on("checkout", 1));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    startClientWithoutPolling(registry);

    admin.publish("{not json");
    admin.write(on("marker", 1));

    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> client.snapshot().contains("marker")))
        .isNotNegative();
    assertThat(client.refreshFailureCount()).isEqualTo(1);
    assertThat(registry.get("rollgate.flags.refresh.failures").functionCounter().count())
        .isEqualTo(1.0);
    assertThat(client.lastRefreshFailure())
        .hasValueSatisfying(
            f -> {
              assertThat(f.source()).isEqualTo("push");
              assertThat(f.message()).startsWith("invalid flag JSON");
            });
    assertThat(client.isEnabled("checkout", ALICE)).isTrue();
  }

  @Test
  void redisOutageServesLastSnapshotCountsFailuresAndReconnectRestoresPush() throws Exception {
    admin.seed(on("checkout", 1), off("search", 1));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    startClientWithoutPolling(registry);
    admin.close();
    admin = null;

    redis.stop();

    assertThat(client.refresh()).as("refresh while Redis is down").isFalse();
    assertThat(client.refresh()).isFalse();
    assertThat(client.refreshFailureCount()).isGreaterThanOrEqualTo(2);
    assertThat(registry.get("rollgate.flags.refresh.failures").functionCounter().count())
        .isGreaterThanOrEqualTo(2.0);
    assertThat(client.lastRefreshFailure())
        .hasValueSatisfying(f -> assertThat(f.source()).isEqualTo("redis"));
    assertThat(client.isEnabled("checkout", ALICE)).as("fail-static").isTrue();
    assertThat(client.isEnabled("search", ALICE)).isFalse();
    assertThat(client.snapshot().size()).isEqualTo(2);

    redis.start(); // same port, empty: a cold cache
    admin = redis.admin();
    long coldCacheSeen =
        Await.millisUntil(
            Duration.ofSeconds(15),
            () ->
                !client.refresh()
                    && client.lastRefreshFailure().orElseThrow().message().contains("is empty"));
    assertThat(coldCacheSeen).as("an empty hash is not taken as 'no flags'").isNotNegative();
    assertThat(client.isEnabled("checkout", ALICE)).isTrue();
    assertThat(client.snapshot().size()).isEqualTo(2);
    admin.seed(on("checkout", 1), off("search", 1)); // the server re-seeds its cache

    // Lettuce reconnects and resubscribes on its own; wait until Redis sees the subscriber.
    String v2 = FlagCodec.toJson(off("checkout", 2));
    TestRedis.Admin publisher = admin;
    long resubscribed = Await.millisUntil(Duration.ofSeconds(15), () -> publisher.publish(v2) >= 1);
    assertThat(resubscribed).as("pub/sub connection came back").isNotNegative();

    // Only the push carries v2 (the hash still holds v1), so this proves push works again.
    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> !client.isEnabled("checkout", ALICE)))
        .isNotNegative();
    assertThat(version("checkout")).isEqualTo(2);

    assertThat(Await.millisUntil(Duration.ofSeconds(5), client::refresh))
        .as("full load works again")
        .isNotNegative();
    assertThat(client.lastRefreshFailure()).isEmpty();
    assertThat(version("checkout")).as("a full load does not undo a newer push").isEqualTo(2);
  }

  @Test
  void startSucceedsWhileRedisIsDownAndThePollerConnectsWhenItComesUp() throws Exception {
    admin.seed(on("checkout", 1));
    admin.close();
    admin = null;
    redis.stop();

    client =
        FlagsClient.builder()
            .redisUri(redis.uri())
            .pollInterval(Duration.ofMillis(200))
            .build()
            .start();

    assertThat(client.snapshot().size()).isZero();
    assertThat(client.isEnabled("checkout", ALICE)).isFalse();
    assertThat(client.isEnabled("checkout", ALICE, true)).as("defaults are served").isTrue();
    assertThat(client.lastRefreshFailure()).isPresent();

    redis.start();
    admin = redis.admin();
    admin.seed(on("checkout", 1));

    assertThat(Await.millisUntil(Duration.ofSeconds(10), () -> client.isEnabled("checkout", ALICE)))
        .as("poller retried and loaded the flags")
        .isNotNegative();
    assertThat(
            Await.millisUntil(Duration.ofSeconds(5), () -> client.lastRefreshFailure().isEmpty()))
        .isNotNegative();
    admin.write(off("checkout", 2));
    assertThat(Await.millisUntil(PUSH_DEADLINE, () -> !client.isEnabled("checkout", ALICE)))
        .as("and subscribed for pushes")
        .isNotNegative();
  }

  @Test
  void pollPicksUpChangesAndDeletionsThatWereNotPublished() {
    admin.seed(off("checkout", 1), on("legacy", 1));
    client =
        FlagsClient.builder()
            .redisUri(redis.uri())
            .pollInterval(Duration.ofMillis(200))
            .build()
            .start();
    assertThat(client.snapshot().names()).containsExactlyInAnyOrder("checkout", "legacy");

    admin.seed(on("checkout", 2));
    admin.commands().hdel(FlagsRedisLayout.HASH_KEY, "legacy");

    assertThat(
            Await.millisUntil(
                Duration.ofSeconds(5),
                () -> client.isEnabled("checkout", ALICE) && !client.snapshot().contains("legacy")))
        .isNotNegative();
  }

  @Test
  void metricsReportEvaluationsSnapshotAgeFailuresAndFlagCount() {
    admin.seed(on("a", 1), on("b", 1), on("c", 1));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    startClientWithoutPolling(registry);

    for (int i = 0; i < 25; i++) {
      client.isEnabled("a", ALICE);
    }

    assertThat(registry.get("rollgate.flags.evaluations").functionCounter().count())
        .isEqualTo(25.0);
    assertThat(registry.get("rollgate.flags.count").gauge().value()).isEqualTo(3.0);
    assertThat(registry.get("rollgate.flags.snapshot.age").gauge().value()).isBetween(0.0, 5.0);
    assertThat(registry.get("rollgate.flags.snapshot.age").gauge().getId().getBaseUnit())
        .isEqualTo("seconds");
    assertThat(registry.get("rollgate.flags.refresh.failures").functionCounter().count()).isZero();

    client.close();
    assertThat(registry.getMeters()).as("close() removes the meters").isEmpty();
  }

  @Test
  void clientEvaluationAllocatesNothing() {
    admin.seed(AllocationTest.percentageAndAttributeRuleFlag());
    startClientWithoutPolling(new SimpleMeterRegistry());
    EvaluationContext[] contexts = AllocationTest.contexts();
    int[] next = {0};

    long bytes =
        AllocationTest.allocatedBytes(
            AllocationTest.OPS,
            () -> client.isEnabled("checkout_v2", contexts[next[0]++ & (contexts.length - 1)]));

    assertThat(bytes).isLessThan(AllocationTest.SLACK_BYTES);
  }

  @Test
  void skipsUndecodableHashEntriesButLoadsTheRest() {
    admin.seed(on("good", 1));
    admin.commands().hset(FlagsRedisLayout.HASH_KEY, "broken", "{\"name\":");
    admin.commands().hset(FlagsRedisLayout.HASH_KEY, "other", FlagCodec.toJson(on("mismatch", 1)));

    startClientWithoutPolling(null);

    assertThat(client.snapshot().names()).containsExactly("good");
  }

  @Test
  void builderRejectsMissingSourcesAndTinyPollIntervals() {
    assertThatThrownBy(() -> FlagsClient.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("redisUri");
    assertThatThrownBy(() -> FlagsClient.builder().pollInterval(Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class);
    FlagsClient unstarted = FlagsClient.builder().redisUri(redis.uri()).build();
    unstarted.close();
    assertThatThrownBy(unstarted::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void contextBuilderAndOfProduceTheSameDecisions() {
    admin.seed(
        on("de_only", 1).withRules(List.of(Rule.of(Condition.of("country", Operator.EQ, "DE")))));
    startClientWithoutPolling(null);

    EvaluationContext built =
        EvaluationContext.builder().userId("bob").attribute("country", "DE").build();
    EvaluationContext of = EvaluationContext.of("bob", Map.of("country", "DE"));

    assertThat(client.isEnabled("de_only", built)).isTrue();
    assertThat(client.isEnabled("de_only", of)).isTrue();
    assertThat(built.attributes()).isEqualTo(of.attributes());
    assertThat(built.attribute("userId")).isEqualTo("bob");
  }
}
