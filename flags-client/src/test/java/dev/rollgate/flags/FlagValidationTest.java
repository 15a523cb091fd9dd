package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagValidationTest {

  private static FlagDefinition withRules(Condition... conditions) {
    return FlagDefinition.newFlag("f").withRules(List.of(Rule.of(conditions)));
  }

  private static List<String> users(int count) {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      users.add("user-" + i);
    }
    return users;
  }

  @Test
  void acceptsOperandsThatFitTheirOperators() {
    FlagDefinition flag =
        withRules(
            Condition.of("country", Operator.IN, "DE", "FR"),
            Condition.of("plan", Operator.NEQ, "free"),
            Condition.of("age", Operator.GTE, "18"),
            Condition.of("score", Operator.LT, "-0.5"),
            Condition.of("appVersion", Operator.SEMVER_GTE, "2.4.0-beta.11+build.7"));

    assertThat(FlagValidation.problem(flag)).isNull();
  }

  @Test
  void semverOperandThatIsNotAVersionIsRefusedNamingRuleAttributeAndOperand() {
    FlagDefinition flag =
        FlagDefinition.newFlag("f")
            .withRules(
                List.of(
                    Rule.of(Condition.of("plan", Operator.EQ, "pro")),
                    Rule.of(
                        Condition.of("country", Operator.EQ, "DE"),
                        Condition.of("appVersion", Operator.SEMVER_GTE, "2.4"))));

    assertThat(FlagValidation.problem(flag))
        .isEqualTo(
            "rule 2: appVersion semver_gte '2.4' is not a semantic version:"
                + " it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0");
    assertThat(FlagValidation.problem(withRules(Condition.of("v", Operator.SEMVER_LT, "1.0.0-01"))))
        .isEqualTo(
            "rule 1: v semver_lt '1.0.0-01' is not a semantic version:"
                + " the numeric pre-release identifier '01' has a leading zero");
  }

  @Test
  void numericOperandThatIsNotANumberIsRefused() {
    assertThat(FlagValidation.problem(withRules(Condition.of("age", Operator.GT, "eighteen"))))
        .isEqualTo("rule 1: age gt 'eighteen' is not a number");
    assertThat(FlagValidation.problem(withRules(Condition.of("age", Operator.LTE, "NaN"))))
        .isEqualTo("rule 1: age lte 'NaN' is not a number");
  }

  @Test
  void singleValueOperatorsTakeExactlyOneValueAndListOperatorsAtLeastOne() {
    assertThat(FlagValidation.problem(withRules(Condition.of("country", Operator.EQ, "DE", "FR"))))
        .isEqualTo("rule 1: country eq takes exactly one value, got 2 (DE,FR; use in for a list)");
    assertThat(FlagValidation.problem(withRules(Condition.of("plan", Operator.NEQ, "a", "b"))))
        .endsWith("(a,b; use not_in for a list)");
    assertThat(FlagValidation.problem(withRules(Condition.of("v", Operator.SEMVER_EQ))))
        .isEqualTo("rule 1: v semver_eq takes exactly one value, got 0");
    assertThat(FlagValidation.problem(withRules(Condition.of("country", Operator.NOT_IN))))
        .isEqualTo("rule 1: country not_in needs at least one value");
  }

  @Test
  void allowAndDenyListsAreCappedAtOneThousandUserIds() {
    FlagDefinition flag = FlagDefinition.newFlag("f");

    assertThat(FlagValidation.problem(flag.withAllowUsers(users(1_000)))).isNull();
    assertThat(FlagValidation.problem(flag.withAllowUsers(users(1_001))))
        .isEqualTo(
            "allowUsers has 1001 user ids; the limit is 1000"
                + " (target larger groups with a rule on an attribute)");
    assertThat(FlagValidation.problem(flag.withDenyUsers(users(1_001))))
        .startsWith("denyUsers has 1001 user ids");
    assertThat(FlagValidation.problem(flag.withDenyUsers(List.of("a", " "))))
        .isEqualTo("denyUsers contains an empty user id");
  }

  @Test
  void encodedFlagIsCappedAt128KiB() {
    String longId = "u".repeat(100);
    FlagDefinition atLimit =
        FlagDefinition.newFlag("f")
            .withAllowUsers(Collections.nCopies(1_000, longId))
            .withDenyUsers(Collections.nCopies(200, longId));
    FlagDefinition over = atLimit.withDenyUsers(Collections.nCopies(400, longId));

    assertThat(FlagCodec.toJson(atLimit).length()).isLessThan(FlagValidation.MAX_ENCODED_BYTES);
    assertThat(FlagValidation.problem(atLimit)).isNull();
    assertThat(FlagValidation.problem(over))
        .matches(
            "flag f would be 1\\d{5} bytes encoded; the limit is 131072 \\(128 KiB\\):"
                + " use fewer user ids or rule values");
  }

  @Test
  void changeChecksOnlyWhatTheChangeTouchesSoTheKillSwitchIsNeverRefused() {
    FlagDefinition legacy = withRules(Condition.of("appVersion", Operator.SEMVER_GTE, "2.4"));

    assertThat(FlagValidation.changeProblem(legacy, legacy.withKilled(true))).isNull();
    assertThat(FlagValidation.changeProblem(legacy, legacy.withRolloutBasisPoints(5_000))).isNull();
    assertThat(
            FlagValidation.changeProblem(
                legacy,
                legacy.withRules(
                    List.of(Rule.of(Condition.of("appVersion", Operator.SEMVER_GTE, "2.5"))))))
        .startsWith("rule 1: appVersion semver_gte '2.5'");
    assertThat(FlagValidation.changeProblem(null, legacy)).startsWith("rule 1:");
    assertThat(FlagValidation.changeProblem(legacy, legacy.withAllowUsers(users(1_001))))
        .startsWith("allowUsers has 1001");
  }

  private static Variant text(String name, int weight) {
    return new Variant(name, com.fasterxml.jackson.databind.node.TextNode.valueOf(name), weight);
  }

  private static FlagDefinition variants(String off, String fallback, Variant... variants) {
    return FlagDefinition.newFlag("f")
        .withVariants(VariationType.STRING, List.of(variants), off, fallback, null);
  }

  @Test
  void variantWeightsNotSummingToOneHundredPercentAreRefused() {
    assertThat(FlagValidation.problem(variants(null, null, text("a", 5_000), text("b", 4_000))))
        .isEqualTo("variant weights sum to 90 %; they must sum to exactly 100 %");
    assertThat(FlagValidation.problem(variants(null, null, text("a", 5_000), text("b", 5_001))))
        .isEqualTo("variant weights sum to 100.01 %; they must sum to exactly 100 %");
    assertThat(FlagValidation.problem(variants(null, null, text("a", 5_000), text("b", 5_000))))
        .isNull();
  }

  @Test
  void aDuplicateVariantNameIsRefused() {
    assertThat(FlagValidation.problem(variants(null, null, text("a", 5_000), text("a", 5_000))))
        .isEqualTo("variant 'a' is defined twice");
  }

  @Test
  void anOffDefaultOrRuleVariantThatDoesNotExistIsRefused() {
    assertThat(FlagValidation.problem(variants("gone", null, text("a", 10_000))))
        .isEqualTo("off variant 'gone' is not one of the flag's variants (variants: a)");
    assertThat(FlagValidation.problem(variants(null, "gone", text("a", 10_000))))
        .isEqualTo("default variant 'gone' is not one of the flag's variants (variants: a)");
    FlagDefinition rule =
        variants(null, null, text("a", 10_000))
            .withRules(List.of(Rule.of(Condition.of("x", Operator.EQ, "1")).serving("gone")));
    assertThat(FlagValidation.problem(rule))
        .isEqualTo("rule 1's variant 'gone' is not one of the flag's variants (variants: a)");
    assertThat(
            FlagValidation.problem(
                FlagDefinition.newFlag("f")
                    .withRules(List.of(Rule.of(Condition.of("x", Operator.EQ, "1")).serving("a")))))
        .isEqualTo("rule 1 serves variant 'a' but flag f has no variants");
  }

  @Test
  void aValueOfTheWrongTypeIsRefused() {
    FlagDefinition flag =
        FlagDefinition.newFlag("f")
            .withVariants(
                VariationType.NUMBER,
                List.of(
                    new Variant("n", com.fasterxml.jackson.databind.node.IntNode.valueOf(3), 5_000),
                    text("s", 5_000)),
                null,
                null,
                null);
    assertThat(FlagValidation.problem(flag))
        .isEqualTo(
            "variant 's' has value \"s\", which is not a number (the flag's variation type)");
    assertThat(
            FlagValidation.problem(
                FlagDefinition.newFlag("f")
                    .withVariants(VariationType.STRING, List.of(), null, null, null)))
        .isEqualTo("flag f is multivariate (string) but has no variants");
  }

  @Test
  void aPercentageChangeIsNotRefusedForAnOlderVariantProblem() {
    FlagDefinition stored = variants(null, null, text("a", 5_000), text("b", 4_000));
    assertThat(FlagValidation.changeProblem(stored, stored.withRolloutBasisPoints(5_000))).isNull();
  }
}
