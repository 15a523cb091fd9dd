package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultivariateFlagTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final int USERS = 20_000;

  static Variant string(String name, String value, int weightBasisPoints) {
    return new Variant(name, TextNode.valueOf(value), weightBasisPoints);
  }

  /** A string flag, on for everyone, with the given variants; off variant "off". */
  static FlagDefinition colors(int... weights) {
    List<Variant> variants = new ArrayList<>();
    String[] names = {"red", "green", "blue", "amber", "teal"};
    for (int i = 0; i < weights.length; i++) {
      variants.add(string(names[i], "#" + names[i], weights[i]));
    }
    return FlagDefinition.newFlag("button_color")
        .withRolloutBasisPoints(10_000)
        .withVariants(VariationType.STRING, variants, null, null, null);
  }

  static String[] served(FlagDefinition flag) {
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));
    String[] served = new String[USERS];
    for (int u = 0; u < USERS; u++) {
      Variant v = snapshot.variant(flag.name(), EvaluationContext.of("user-" + u));
      served[u] = v == null ? null : v.name();
    }
    return served;
  }

  static Map<String, Integer> weightsOf(FlagDefinition flag) {
    Map<String, Integer> weights = new HashMap<>();
    flag.variants().forEach(v -> weights.put(v.name(), v.weightBasisPoints()));
    return weights;
  }

  @Test
  void usersAreSplitByTheWeights() {
    String[] served = served(colors(2_000, 3_000, 5_000));

    Map<String, Integer> counts = new HashMap<>();
    for (String s : served) {
      counts.merge(s, 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsExactlyInAnyOrder("red", "green", "blue");
    assertThat(counts.get("red") / (double) USERS).isCloseTo(0.20, within(0.015));
    assertThat(counts.get("green") / (double) USERS).isCloseTo(0.30, within(0.015));
    assertThat(counts.get("blue") / (double) USERS).isCloseTo(0.50, within(0.015));
  }

  @Test
  void aUserKeepsTheirVariantWhenAnotherVariantsWeightChanges() {
    FlagDefinition before = colors(3_400, 3_300, 3_300);
    // weight moves from blue (the last) to red (the first): green, between them, must not move
    FlagDefinition after =
        before.withVariants(
            List.of(
                string("red", "#red", 4_400),
                string("green", "#green", 3_300),
                string("blue", "#blue", 2_300)));

    String[] was = served(before);
    String[] is = served(after);

    int moved = 0;
    for (int u = 0; u < USERS; u++) {
      if (!was[u].equals("blue")) {
        assertThat(is[u]).as("user-%d had %s", u, was[u]).isEqualTo(was[u]);
      } else if (!is[u].equals("blue")) {
        assertThat(is[u]).as("user-%d left blue", u).isEqualTo("red");
        moved++;
      }
    }
    // a tenth of the buckets moved, so about a tenth of the users
    assertThat(moved / (double) USERS).isCloseTo(0.10, within(0.01));
  }

  @Test
  void overManyWeightChangesUsersOnlyLeaveShrinkingVariantsForGrowingOnes() {
    Random random = new Random(42);
    FlagDefinition flag = colors(2_000, 2_000, 2_000, 2_000, 2_000);
    String[] was = served(flag);
    for (int change = 0; change < 20; change++) {
      int[] w = new int[5];
      int left = 10_000;
      for (int i = 0; i < 4; i++) {
        w[i] = random.nextInt(left + 1) / (4 - i);
        left -= w[i];
      }
      w[4] = left;
      List<Variant> next = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Variant v = flag.variants().get(i);
        next.add(new Variant(v.name(), v.value(), w[i]));
      }
      FlagDefinition changed = flag.withVariants(next);
      assertThat(FlagValidation.problem(changed)).isNull();
      Map<String, Integer> oldWeights = weightsOf(flag);
      Map<String, Integer> newWeights = weightsOf(changed);
      String[] is = served(changed);
      for (int u = 0; u < USERS; u++) {
        if (!is[u].equals(was[u])) {
          assertThat(newWeights.get(was[u]))
              .as("change %d: user-%d left %s, whose weight did not fall", change, u, was[u])
              .isLessThan(oldWeights.get(was[u]));
          assertThat(newWeights.get(is[u]))
              .as("change %d: user-%d joined %s, whose weight did not grow", change, u, is[u])
              .isGreaterThan(oldWeights.get(is[u]));
        }
      }
      flag = changed;
      was = is;
    }
  }

  @Test
  void theVariantSaltIsItsOwnSeedIndependentOfTheRolloutSalt() {
    FlagDefinition flag = colors(5_000, 5_000).withRolloutBasisPoints(5_000);
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));
    int on = 0;
    int redAmongOn = 0;
    for (int u = 0; u < USERS; u++) {
      EvaluationContext ctx = EvaluationContext.of("user-" + u);
      if (snapshot.isEnabled("button_color", ctx)) {
        on++;
        redAmongOn += "red".equals(snapshot.variant("button_color", ctx).name()) ? 1 : 0;
      }
    }
    // the rollout takes the low half of the rollout buckets; were the variant hashed with the same
    // seed, the on half would be mostly one variant
    assertThat(redAmongOn / (double) on).isCloseTo(0.5, within(0.02));

    String[] a = served(flag.withRolloutBasisPoints(10_000));
    String[] b =
        served(
            flag.withRolloutBasisPoints(10_000)
                .withVariants(VariationType.STRING, flag.variants(), null, null, "reshuffled"));
    int same = 0;
    for (int u = 0; u < USERS; u++) {
      same += a[u].equals(b[u]) ? 1 : 0;
    }
    assertThat(same / (double) USERS)
        .as("another variant salt reshuffles")
        .isCloseTo(0.5, within(0.02));
  }

  @Test
  void offRuleAndDefaultVariantsAreServedAsDefined() {
    FlagDefinition flag =
        FlagDefinition.newFlag("banner")
            .withRolloutBasisPoints(10_000)
            .withAllowUsers(List.of("vip"))
            .withStickiness("orgId")
            .withRules(
                List.of(
                    Rule.of(Condition.of("plan", Operator.EQ, "pro")).serving("gold"),
                    Rule.of(Condition.of("plan", Operator.EQ, "free"))))
            .withVariants(
                VariationType.STRING,
                List.of(
                    string("none", "", 0),
                    string("gold", "Gold", 0),
                    string("blue", "Blue", 10_000)),
                "none",
                "gold",
                null);
    assertThat(FlagValidation.problem(flag)).isNull();
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));

    assertThat(
            snapshot
                .variant("banner", EvaluationContext.of("u1", Map.of("plan", "pro", "orgId", "o1")))
                .name())
        .as("the rule names gold, whose weight is 0")
        .isEqualTo("gold");
    assertThat(
            snapshot
                .variant(
                    "banner", EvaluationContext.of("u1", Map.of("plan", "free", "orgId", "o1")))
                .name())
        .isEqualTo("blue");
    assertThat(
            snapshot
                .variant(
                    "banner", EvaluationContext.of("u1", Map.of("plan", "team", "orgId", "o1")))
                .name())
        .as("no rule matched: off")
        .isEqualTo("none");
    assertThat(snapshot.variant("banner", EvaluationContext.of("vip")).name())
        .as("allow-listed, no orgId to allocate by: the default variant")
        .isEqualTo("gold");
    FlagSnapshot killed = FlagSnapshot.of(List.of(flag.withKilled(true)));
    assertThat(killed.stringVariation("banner", EvaluationContext.of("vip"), "fallback"))
        .isEqualTo("");
    FlagSnapshot noOff =
        FlagSnapshot.of(
            List.of(
                flag.withKilled(true)
                    .withVariants(VariationType.STRING, flag.variants(), null, null, null)));
    assertThat(noOff.stringVariation("banner", EvaluationContext.of("vip"), "fallback"))
        .as("no off variant: the caller's default")
        .isEqualTo("fallback");
    assertThat(snapshot.stringVariation("unknown", EvaluationContext.of("vip"), "fallback"))
        .isEqualTo("fallback");
    assertThat(snapshot.variant("unknown", EvaluationContext.of("vip"))).isNull();
  }

  @Test
  void numberAndJsonVariationsAndTypeMismatchGiveTheDefault() throws Exception {
    JsonNode layout = JSON.readTree("{\"columns\":3,\"cards\":[\"a\",\"b\"]}");
    FlagDefinition limit =
        FlagDefinition.newFlag("rate_limit")
            .withRolloutBasisPoints(10_000)
            .withVariants(
                VariationType.NUMBER,
                List.of(
                    new Variant("low", IntNode.valueOf(10), 10_000),
                    new Variant("high", DoubleNode.valueOf(99.5), 0)),
                "high",
                null,
                null);
    FlagDefinition home =
        FlagDefinition.newFlag("home_layout")
            .withRolloutBasisPoints(10_000)
            .withVariants(
                VariationType.JSON, List.of(new Variant("grid", layout, 10_000)), null, null, null);
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(limit, home, FlagDefinition.newFlag("plain")));
    EvaluationContext ctx = EvaluationContext.of("u1");

    assertThat(snapshot.numberVariation("rate_limit", ctx, -1)).isEqualTo(10.0);
    assertThat(
            FlagSnapshot.of(List.of(limit.withEnabled(false)))
                .numberVariation("rate_limit", ctx, -1))
        .isEqualTo(99.5);
    assertThat(snapshot.jsonVariation("home_layout", ctx, null)).isEqualTo(layout);
    assertThat(snapshot.stringVariation("rate_limit", ctx, "d"))
        .as("a number flag asked for a string")
        .isEqualTo("d");
    assertThat(snapshot.numberVariation("home_layout", ctx, -1)).isEqualTo(-1);
    assertThat(snapshot.variant("plain", ctx)).as("a boolean flag has no variant").isNull();
  }

  @Test
  void explainSaysWhichVariantHowAndTheBucket() {
    FlagDefinition flag = colors(2_500, 7_500);
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));
    EvaluationContext ctx = EvaluationContext.of("user-7");

    FlagEvaluation e = snapshot.explain("button_color", ctx, false);

    int bucket = Bucketing.bucket("button_color/variants", "user-7");
    String expected = bucket < 2_500 ? "red" : "green";
    assertThat(e.variant())
        .isEqualTo(expected)
        .isEqualTo(snapshot.variant("button_color", ctx).name());
    assertThat(e.variantSource()).isEqualTo("weight");
    assertThat(e.variantBucket()).isEqualTo(bucket);
    assertThat(e.explanation())
        .endsWith(
            "; variant "
                + expected
                + " (weight "
                + (expected.equals("red") ? "25" : "75")
                + " %, owns variant bucket "
                + bucket
                + ")");

    FlagEvaluation off =
        FlagSnapshot.of(List.of(flag.withKilled(true))).explain("button_color", ctx, false);
    assertThat(off.variant()).isNull();
    assertThat(off.variantSource()).isEqualTo("off");
  }

  @Test
  void exposuresAreCountedPerVariantAndSurviveANewVersion() {
    FlagDefinition flag = colors(5_000, 5_000);
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));
    Map<String, Integer> expected = new LinkedHashMap<>(Map.of("red", 0, "green", 0));
    for (int u = 0; u < 1_000; u++) {
      expected.merge(
          snapshot.variant("button_color", EvaluationContext.of("user-" + u)).name(),
          1,
          Integer::sum);
    }
    snapshot.explain("button_color", EvaluationContext.of("user-1"), false); // not an exposure
    snapshot.isEnabled("button_color", EvaluationContext.of("user-1")); // not an exposure

    assertThat(snapshot.exposures("button_color"))
        .containsExactly(
            Map.entry("red", (long) expected.get("red")),
            Map.entry("green", (long) expected.get("green")));

    FlagSnapshot next =
        snapshot.withFlag(
            flag.withVersion(1)
                .withVariants(
                    List.of(string("red", "#red", 4_000), string("green", "#green", 6_000))));
    next.variant("button_color", EvaluationContext.of("user-1"));
    assertThat(next.exposures("button_color").values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(1_001);
    assertThat(next.exposures("plain")).isEmpty();
  }

  @Test
  void codecRoundTripsVariantsAndBooleanFlagsKeepTheirOldJson() throws Exception {
    FlagDefinition flag =
        colors(3_000, 7_000)
            .withRules(List.of(Rule.of(Condition.of("plan", Operator.EQ, "pro")).serving("red")))
            .withVariants(
                VariationType.STRING, colors(3_000, 7_000).variants(), "green", "red", "s2");

    String json = FlagCodec.toJson(flag);
    assertThat(FlagCodec.fromJson(json)).isEqualTo(flag);
    assertThat(json)
        .contains(
            "\"variationType\":\"STRING\"",
            "{\"name\":\"red\",\"value\":\"#red\",\"weightBasisPoints\":3000,\"buckets\":[0,3000]}",
            "\"offVariant\":\"green\"",
            "\"variant\":\"red\"");

    String booleanJson =
        FlagCodec.toJson(
            FlagDefinition.newFlag("plain")
                .withRules(List.of(Rule.of(Condition.of("a", Operator.EQ, "b")))));
    assertThat(booleanJson)
        .as("a boolean flag's JSON is what clients before variants read")
        .doesNotContain("variant", "Variant", "buckets");

    // a payload written before variants existed decodes as a boolean flag
    FlagDefinition old =
        FlagCodec.fromJson(
            "{\"name\":\"beta\",\"version\":2,\"enabled\":true,\"killed\":false,\"rolloutBasisPoints\":100,"
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"plan\",\"op\":\"EQ\",\"values\":[\"pro\"]}]}]}");
    assertThat(old.multivariate()).isFalse();
    assertThat(old.rules().get(0).variant()).isNull();
    assertThat(FlagSnapshot.of(List.of(old)).variant("beta", EvaluationContext.of("u"))).isNull();
  }

  @Test
  void olderClientsReadingAVariantPayloadSeeTheBooleanFlag() throws Exception {
    // an older client's FlagDefinition ignores unknown properties: decoding the new JSON with only
    // the fields it knew keeps the boolean answer
    String json = FlagCodec.toJson(colors(5_000, 5_000).withRolloutBasisPoints(2_500));
    JsonNode tree = JSON.readTree(json);
    List<String> known =
        List.of(
            "name",
            "version",
            "enabled",
            "killed",
            "rolloutBasisPoints",
            "salt",
            "stickiness",
            "allowUsers",
            "denyUsers",
            "rules",
            "updatedBy",
            "updatedAtMillis",
            "prerequisites");
    var stripped = JSON.createObjectNode();
    tree.properties()
        .forEach(
            e -> {
              if (known.contains(e.getKey())) stripped.set(e.getKey(), e.getValue());
            });
    FlagDefinition asOld = FlagCodec.fromJson(stripped.toString());
    EvaluationContext ctx = EvaluationContext.of("user-3");
    assertThat(FlagSnapshot.of(List.of(asOld)).isEnabled("button_color", ctx))
        .isEqualTo(
            FlagSnapshot.of(List.of(FlagCodec.fromJson(json))).isEnabled("button_color", ctx));
  }
}
