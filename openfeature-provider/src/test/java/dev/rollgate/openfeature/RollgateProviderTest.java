package dev.rollgate.openfeature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EventDetails;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.ProviderState;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.Value;
import dev.rollgate.flags.Bucketing;
import dev.rollgate.flags.Condition;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagDeletion;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.flags.FlagsRedisLayout;
import dev.rollgate.flags.Operator;
import dev.rollgate.flags.Prerequisite;
import dev.rollgate.flags.Rule;
import dev.rollgate.flags.Variant;
import dev.rollgate.flags.VariationType;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * The provider through the OpenFeature SDK's own API ({@code setProviderAndWait}, {@code
 * Client#get*Details}, event handlers), over a real flags-client fed by an embedded Redis.
 */
class RollgateProviderTest {

  private static final AtomicInteger DOMAINS = new AtomicInteger();
  private static final Duration EVENT_DEADLINE = Duration.ofSeconds(10);

  private final OpenFeatureAPI api = OpenFeatureAPI.getInstance();
  private final String domain = "rollgate-test-" + DOMAINS.incrementAndGet();
  private int port;
  private RedisServer redis;
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> admin;
  private FlagsClient flags;

  @BeforeEach
  void startRedis() throws IOException {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    startRedisServer();
    adminClient = RedisClient.create("redis://127.0.0.1:" + port);
    admin = adminClient.connect();
  }

  private void startRedisServer() throws IOException {
    redis =
        RedisServer.newRedisServer()
            .port(port)
            .bind("127.0.0.1")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    redis.start();
  }

  @AfterEach
  void stopEverything() throws IOException {
    api.shutdown();
    if (flags != null) {
      flags.close();
    }
    admin.close();
    adminClient.shutdown();
    if (redis != null) {
      redis.stop();
    }
  }

  /** Writes a flag the way the Rollgate server does: HSET, then PUBLISH the same JSON. */
  private void write(FlagDefinition flag) {
    String json = FlagCodec.toJson(flag);
    admin.sync().hset(FlagsRedisLayout.HASH_KEY, flag.name(), json);
    admin.sync().publish(FlagsRedisLayout.CHANNEL, json);
  }

  private static FlagDefinition full(String name) {
    return FlagDefinition.newFlag(name).withVersion(1).withRolloutBasisPoints(10_000);
  }

  /** An unstarted client: the provider starts it (and closes it at shutdown). */
  private FlagsClient flagsClient(Duration pollInterval) {
    flags =
        FlagsClient.builder()
            .redisUri("redis://127.0.0.1:" + port)
            .pollInterval(pollInterval)
            .build();
    return flags;
  }

  private Client openFeature(FlagDefinition... seeded) {
    for (FlagDefinition flag : seeded) {
      write(flag);
    }
    api.setProviderAndWait(domain, new RollgateProvider(flagsClient(Duration.ofMinutes(10))));
    return api.getClient(domain);
  }

  private static ImmutableContext user(String key, Map<String, Value> attributes) {
    return new ImmutableContext(key, attributes);
  }

  private static ImmutableContext user(String key) {
    return new ImmutableContext(key);
  }

  @Test
  void isNamedRollgateAndReadyOnceTheFirstSnapshotIsLoaded() {
    List<EventDetails> ready = new CopyOnWriteArrayList<>();
    api.getClient(domain).onProviderReady(ready::add);

    Client client = openFeature(full("checkout"));

    assertThat(api.getProviderMetadata(domain).getName()).isEqualTo("rollgate");
    assertThat(client.getProviderState()).isEqualTo(ProviderState.READY);
    assertThat(flags.hasLoaded()).isTrue();
    await()
        .atMost(EVENT_DEADLINE)
        .until(() -> ready.stream().anyMatch(e -> "rollgate".equals(e.getProviderName())));
  }

  @Test
  void fullRolloutWithoutRulesIsOnWithVariantMetadataAndReasonStatic() {
    Client client = openFeature(full("checkout").withVersion(7));

    FlagEvaluationDetails<Boolean> details =
        client.getBooleanDetails("checkout", false, user("alice"));

    assertThat(details.getValue()).isTrue();
    assertThat(details.getVariant()).isEqualTo("on");
    assertThat(details.getReason()).isEqualTo(Reason.STATIC.name());
    assertThat(details.getErrorCode()).isNull();
    assertThat(details.getFlagMetadata().getLong("version")).isEqualTo(7L);
    assertThat(details.getFlagMetadata().getString("rollgateReason")).isEqualTo("ROLLOUT");
    assertThat(details.getFlagMetadata().getInteger("rolloutBasisPoints")).isEqualTo(10_000);
    assertThat(client.getBooleanValue("checkout", false, user("alice"))).isTrue();
  }

  @Test
  void partialRolloutIsASplitThatAgreesWithFlagsClient() {
    Client client = openFeature(full("search").withRolloutBasisPoints(5_000));

    int on = 0;
    for (int i = 0; i < 200; i++) {
      String userId = "user-" + i;
      FlagEvaluationDetails<Boolean> details =
          client.getBooleanDetails("search", false, user(userId));
      var expected =
          flags.explain("search", dev.rollgate.flags.EvaluationContext.of(userId), false);
      assertThat(details.getValue()).isEqualTo(expected.on());
      assertThat(details.getVariant()).isEqualTo(expected.on() ? "on" : "off");
      assertThat(details.getReason()).isEqualTo(Reason.SPLIT.name());
      assertThat(details.getFlagMetadata().getInteger("bucket")).isEqualTo(expected.bucket());
      on += details.getValue() ? 1 : 0;
    }
    assertThat(on).isBetween(60, 140); // both answers occur at 50 %
  }

  @Test
  void rulesSeeTheContextAttributesAsStrings() {
    Client client =
        openFeature(
            full("pro")
                .withRules(
                    List.of(
                        Rule.of(
                            Condition.of("plan", Operator.EQ, "pro"),
                            Condition.of("seats", Operator.GTE, "10"),
                            Condition.of("beta", Operator.EQ, "true")))));

    FlagEvaluationDetails<Boolean> match =
        client.getBooleanDetails(
            "pro",
            false,
            user(
                "alice",
                Map.of("plan", new Value("pro"), "seats", new Value(12), "beta", new Value(true))));
    FlagEvaluationDetails<Boolean> noMatch =
        client.getBooleanDetails(
            "pro",
            true,
            user(
                "bob",
                Map.of("plan", new Value("pro"), "seats", new Value(3), "beta", new Value(true))));

    assertThat(match.getValue()).isTrue();
    assertThat(match.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    assertThat(match.getFlagMetadata().getInteger("rule")).isEqualTo(1);
    assertThat(noMatch.getValue()).isFalse();
    assertThat(noMatch.getVariant()).isEqualTo("off");
    assertThat(noMatch.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(noMatch.getFlagMetadata().getString("rollgateReason")).isEqualTo("NO_RULE_MATCHED");
    assertThat(noMatch.getErrorCode()).isNull();
  }

  @Test
  void killedAndDisabledFlagsAreOffWithReasonDisabled() {
    Client client =
        openFeature(full("killed").withKilled(true), full("disabled").withEnabled(false));

    for (String flag : List.of("killed", "disabled")) {
      FlagEvaluationDetails<Boolean> details = client.getBooleanDetails(flag, true, user("alice"));
      assertThat(details.getValue()).as(flag).isFalse();
      assertThat(details.getVariant()).as(flag).isEqualTo("off");
      assertThat(details.getReason()).as(flag).isEqualTo(Reason.DISABLED.name());
      assertThat(details.getErrorCode()).as(flag).isNull();
    }
    assertThat(
            client
                .getBooleanDetails("killed", true, user("alice"))
                .getFlagMetadata()
                .getString("rollgateReason"))
        .isEqualTo("KILLED");
  }

  @Test
  void allowAndDenyListsAreTargetingMatches() {
    Client client =
        openFeature(
            FlagDefinition.newFlag("lists")
                .withVersion(1)
                .withAllowUsers(List.of("alice"))
                .withDenyUsers(List.of("bob"))
                .withRolloutBasisPoints(10_000));

    FlagEvaluationDetails<Boolean> alice = client.getBooleanDetails("lists", false, user("alice"));
    FlagEvaluationDetails<Boolean> bob = client.getBooleanDetails("lists", true, user("bob"));

    assertThat(alice.getValue()).isTrue();
    assertThat(alice.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    assertThat(alice.getFlagMetadata().getString("rollgateReason")).isEqualTo("ALLOW_LIST");
    assertThat(bob.getValue()).isFalse();
    assertThat(bob.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    assertThat(bob.getFlagMetadata().getString("rollgateReason")).isEqualTo("DENY_LIST");
  }

  @Test
  void failedPrerequisiteIsOffWithReasonDefaultAndNamesThePrerequisite() {
    Client client =
        openFeature(
            full("new_api").withEnabled(false),
            full("checkout").withPrerequisites(List.of(Prerequisite.on("new_api"))));

    FlagEvaluationDetails<Boolean> details =
        client.getBooleanDetails("checkout", true, user("alice"));

    assertThat(details.getValue()).isFalse();
    assertThat(details.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(details.getFlagMetadata().getString("rollgateReason"))
        .isEqualTo("PREREQUISITE_FAILED");
    assertThat(details.getFlagMetadata().getString("prerequisite")).isEqualTo("new_api");
  }

  @Test
  void unknownFlagAnswersTheDefaultWithFlagNotFoundForEveryType() {
    Client client = openFeature(full("checkout"));
    ImmutableContext ctx = user("alice");

    FlagEvaluationDetails<Boolean> bool = client.getBooleanDetails("nope", true, ctx);
    assertThat(bool.getValue()).isTrue();
    assertThat(bool.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    assertThat(bool.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(client.getStringDetails("nope", "d", ctx).getErrorCode())
        .isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    assertThat(client.getIntegerDetails("nope", 3, ctx).getErrorCode())
        .isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    assertThat(client.getDoubleDetails("nope", 2.5, ctx).getErrorCode())
        .isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    assertThat(client.getObjectDetails("nope", new Value("x"), ctx).getErrorCode())
        .isEqualTo(ErrorCode.FLAG_NOT_FOUND);
  }

  @Test
  void nonBooleanEvaluationsOfABooleanFlagAnswerTheDefaultWithTypeMismatch() {
    Client client = openFeature(full("checkout"));
    ImmutableContext ctx = user("alice");

    FlagEvaluationDetails<String> string = client.getStringDetails("checkout", "fallback", ctx);
    FlagEvaluationDetails<Integer> integer = client.getIntegerDetails("checkout", 42, ctx);
    FlagEvaluationDetails<Double> dbl = client.getDoubleDetails("checkout", 0.5, ctx);
    FlagEvaluationDetails<Value> object =
        client.getObjectDetails("checkout", new Value("fallback"), ctx);

    assertThat(string.getValue()).isEqualTo("fallback");
    assertThat(integer.getValue()).isEqualTo(42);
    assertThat(dbl.getValue()).isEqualTo(0.5);
    assertThat(object.getValue()).isEqualTo(new Value("fallback"));
    for (FlagEvaluationDetails<?> details : List.of(string, integer, dbl, object)) {
      assertThat(details.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
      assertThat(details.getReason()).isEqualTo(Reason.ERROR.name());
      assertThat(details.getErrorMessage()).contains("checkout is boolean");
    }
  }

  private static FlagDefinition multivariate(
      String name, VariationType type, String off, Variant... variants) {
    return full(name).withVariants(type, List.of(variants), off, null, null);
  }

  @Test
  void typedEvaluationsOfVariantFlagsAnswerTheVariantsValueAndName() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    Client client =
        openFeature(
            multivariate(
                "color",
                VariationType.STRING,
                null,
                new Variant("red", TextNode.valueOf("#f00"), 5_000),
                new Variant("blue", TextNode.valueOf("#00f"), 5_000)),
            multivariate(
                "limit",
                VariationType.NUMBER,
                null,
                new Variant("low", IntNode.valueOf(10), 10_000),
                new Variant("half", DoubleNode.valueOf(2.5), 0)),
            multivariate(
                "layout",
                VariationType.JSON,
                null,
                new Variant(
                    "grid",
                    json.readTree("{\"cols\":3,\"tags\":[\"a\",true],\"ratio\":1.5}"),
                    10_000)));
    ImmutableContext ctx = user("alice");

    FlagEvaluationDetails<String> color = client.getStringDetails("color", "fallback", ctx);
    String expected =
        flags.snapshot().variant("color", dev.rollgate.flags.EvaluationContext.of("alice")).name();
    assertThat(color.getVariant()).isEqualTo(expected);
    assertThat(color.getValue()).isEqualTo(expected.equals("red") ? "#f00" : "#00f");
    assertThat(color.getReason()).isEqualTo(Reason.SPLIT.name());
    assertThat(color.getFlagMetadata().getInteger("variantBucket"))
        .isEqualTo(Bucketing.bucket("color/variants", "alice"));

    FlagEvaluationDetails<Integer> integer = client.getIntegerDetails("limit", -1, ctx);
    assertThat(integer.getValue()).isEqualTo(10);
    assertThat(integer.getVariant()).isEqualTo("low");
    assertThat(integer.getErrorCode()).isNull();
    FlagEvaluationDetails<Double> dbl = client.getDoubleDetails("limit", -1.0, ctx);
    assertThat(dbl.getValue()).isEqualTo(10.0);
    assertThat(dbl.getVariant()).isEqualTo("low");

    FlagEvaluationDetails<Value> layout = client.getObjectDetails("layout", new Value("x"), ctx);
    assertThat(layout.getVariant()).isEqualTo("grid");
    assertThat(layout.getValue().asStructure().getValue("cols").asInteger()).isEqualTo(3);
    assertThat(layout.getValue().asStructure().getValue("ratio").asDouble()).isEqualTo(1.5);
    assertThat(layout.getValue().asStructure().getValue("tags").asList())
        .containsExactly(new Value("a"), new Value(true));
    assertThat(client.getObjectDetails("color", new Value("x"), ctx).getValue().asString())
        .as("an object evaluation takes any variant flag")
        .isEqualTo(color.getValue());

    // another type than the flag's: the default with TYPE_MISMATCH
    FlagEvaluationDetails<Integer> mismatch = client.getIntegerDetails("color", 42, ctx);
    assertThat(mismatch.getValue()).isEqualTo(42);
    assertThat(mismatch.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(mismatch.getErrorMessage())
        .isEqualTo("flag color has string variants; a integer evaluation answers the default");

    // off with no off variant: the caller's default, reason DEFAULT; with one: that variant
    write(
        multivariate(
                "color",
                VariationType.STRING,
                null,
                new Variant("red", TextNode.valueOf("#f00"), 5_000),
                new Variant("blue", TextNode.valueOf("#00f"), 5_000))
            .withVersion(2)
            .withKilled(true));
    await()
        .atMost(EVENT_DEADLINE)
        .until(() -> flags.snapshot().flag("color").orElseThrow().version() == 2);
    FlagEvaluationDetails<String> killed = client.getStringDetails("color", "fallback", ctx);
    assertThat(killed.getValue()).isEqualTo("fallback");
    assertThat(killed.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(killed.getErrorCode()).isNull();
    write(
        multivariate(
                "color",
                VariationType.STRING,
                "red",
                new Variant("red", TextNode.valueOf("#f00"), 5_000),
                new Variant("blue", TextNode.valueOf("#00f"), 5_000))
            .withVersion(3)
            .withKilled(true));
    await()
        .atMost(EVENT_DEADLINE)
        .until(() -> flags.snapshot().flag("color").orElseThrow().version() == 3);
    FlagEvaluationDetails<String> off = client.getStringDetails("color", "fallback", ctx);
    assertThat(off.getValue()).isEqualTo("#f00");
    assertThat(off.getVariant()).isEqualTo("red");
    assertThat(off.getReason()).isEqualTo(Reason.DISABLED.name());

    // every typed evaluation above served a variant and counted as its exposure
    assertThat(flags.exposures("limit")).containsEntry("low", 2L);
  }

  @Test
  void missingTargetingKeyIsAnErrorOnlyWhenTheFlagBucketsByIt() {
    Client client =
        openFeature(
            full("by_user").withRolloutBasisPoints(5_000),
            full("by_org").withRolloutBasisPoints(5_000).withStickiness("orgId"));

    FlagEvaluationDetails<Boolean> byUser =
        client.getBooleanDetails("by_user", true, new ImmutableContext());
    FlagEvaluationDetails<Boolean> byOrg =
        client.getBooleanDetails("by_org", true, new ImmutableContext());

    assertThat(byUser.getValue()).isTrue();
    assertThat(byUser.getErrorCode()).isEqualTo(ErrorCode.TARGETING_KEY_MISSING);
    assertThat(byUser.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(byOrg.getValue()).isFalse();
    assertThat(byOrg.getErrorCode()).isNull();
    assertThat(byOrg.getFlagMetadata().getString("rollgateReason"))
        .isEqualTo("NO_STICKINESS_VALUE");
  }

  @Test
  void aChangedFlagEmitsConfigurationChangedWithItsKeyAndIsEvaluatedAtOnce() {
    List<EventDetails> changes = new CopyOnWriteArrayList<>();
    api.getClient(domain).onProviderConfigurationChanged(e -> changes.add(e));
    Client client = openFeature(full("checkout"), full("search"));
    assertThat(client.getBooleanValue("checkout", false, user("alice"))).isTrue();

    write(full("checkout").withVersion(2).withKilled(true));

    await()
        .atMost(EVENT_DEADLINE)
        .untilAsserted(
            () ->
                assertThat(changes)
                    .anySatisfy(e -> assertThat(e.getFlagsChanged()).containsExactly("checkout")));
    assertThat(client.getBooleanDetails("checkout", true, user("alice")).getReason())
        .isEqualTo(Reason.DISABLED.name());

    admin.sync().publish(FlagsRedisLayout.CHANNEL, FlagCodec.toJson(new FlagDeletion("search", 2)));
    await()
        .atMost(EVENT_DEADLINE)
        .untilAsserted(
            () ->
                assertThat(changes)
                    .anySatisfy(e -> assertThat(e.getFlagsChanged()).containsExactly("search")));
    assertThat(client.getBooleanDetails("search", false, user("alice")).getErrorCode())
        .isEqualTo(ErrorCode.FLAG_NOT_FOUND);
  }

  @Test
  void everySourceFailingEmitsStaleAndServesTheLastSnapshotThenReadyAgain() throws IOException {
    List<String> events = new CopyOnWriteArrayList<>();
    api.getClient(domain).onProviderStale(e -> events.add("STALE"));
    api.getClient(domain).onProviderReady(e -> events.add("READY"));
    write(full("checkout"));
    api.setProviderAndWait(domain, new RollgateProvider(flagsClient(Duration.ofMillis(200))));
    Client client = api.getClient(domain);

    redis.stop();
    await().atMost(EVENT_DEADLINE).until(() -> events.contains("STALE"));
    assertThat(client.getProviderState()).isEqualTo(ProviderState.STALE);
    assertThat(client.getBooleanDetails("checkout", false, user("alice")).getValue()).isTrue();

    startRedisServer();
    write(full("checkout"));
    await()
        .atMost(EVENT_DEADLINE)
        .untilAsserted(
            () -> {
              // a copy: a subList view of the live list breaks when an event arrives meanwhile
              List<String> seen = List.copyOf(events);
              assertThat(seen.subList(seen.indexOf("STALE"), seen.size())).contains("READY");
            });
    assertThat(client.getProviderState()).isEqualTo(ProviderState.READY);
  }

  @Test
  void noSourceAtInitializationIsAnErrorUntilTheFirstLoadThenReady() throws IOException {
    List<String> events = new CopyOnWriteArrayList<>();
    redis.stop();
    try {
      api.setProviderAndWait(domain, new RollgateProvider(flagsClient(Duration.ofMillis(200))));
    } catch (RuntimeException e) {
      events.add("INIT_FAILED"); // the SDK may report the failed initialization either way
    }
    Client client = api.getClient(domain);
    assertThat(client.getProviderState()).isEqualTo(ProviderState.ERROR);
    client.onProviderReady(e -> events.add("READY")); // registered in ERROR: not run at once
    FlagEvaluationDetails<Boolean> early = client.getBooleanDetails("checkout", false, user("a"));
    assertThat(early.getValue()).isFalse();
    assertThat(early.getReason()).isEqualTo(Reason.ERROR.name());

    startRedisServer();
    write(full("checkout"));
    await().atMost(EVENT_DEADLINE).until(() -> events.contains("READY"));
    assertThat(client.getProviderState()).isEqualTo(ProviderState.READY);
    assertThat(client.getBooleanValue("checkout", false, user("a"))).isTrue();
  }
}
