package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlagEvaluationTest {

  private static final String FLAG = "f";

  /** A flag on for everyone eligible (100 %), targeted by {@code rules}. */
  private static FlagSnapshot fullyRolledOut(Rule... rules) {
    return FlagSnapshot.of(
        List.of(
            FlagDefinition.newFlag(FLAG).withRolloutBasisPoints(10_000).withRules(List.of(rules))));
  }

  /** Whether one condition on attribute {@code attr} holds for a context with {@code value}. */
  private static boolean holds(Operator op, String operand, String value) {
    FlagSnapshot snapshot = fullyRolledOut(Rule.of(Condition.of("attr", op, operand)));
    Map<String, String> attrs = value == null ? Map.of() : Map.of("attr", value);
    return snapshot.isEnabled(FLAG, EvaluationContext.of("u1", attrs));
  }

  @Nested
  class Operators {

    @ParameterizedTest(name = "{1} {0} {2} -> {3}")
    @CsvSource({
      "EQ, DE, DE, true",
      "EQ, DE, de, false",
      "EQ, DE, FR, false",
      "NEQ, DE, FR, true",
      "NEQ, DE, DE, false",
      "GT, 9, 10, true",
      "GT, 10, 10, false",
      "GT, 10, 9.5, false",
      "GTE, 10, 10, true",
      "GTE, 10, 10.0, true",
      "GTE, 10, 9.99, false",
      "LT, 10, 9, true",
      "LT, 10, 10, false",
      "LT, 0, -1, true",
      "LTE, 10, 10, true",
      "LTE, 10, 1e1, true",
      "LTE, 10, 11, false",
      "GT, 5, abc, false",
      "LT, abc, 5, false",
      "GT, 5, NaN, false",
      "LT, 5, -Infinity, false",
      "SEMVER_EQ, 1.2.3, 1.2.3, true",
      "SEMVER_EQ, 1.2.3, 1.2.3+build.7, true",
      "SEMVER_EQ, 1.2.3, 1.2.4, false",
      "SEMVER_GT, 1.9.0, 1.10.0, true",
      "SEMVER_GT, 1.10.0, 1.9.0, false",
      "SEMVER_GT, 2.0.0-beta, 2.0.0, true",
      "SEMVER_GT, 2.0.0-alpha, 2.0.0-beta, true",
      "SEMVER_GT, 2.0.0, 2.0.0, false",
      "SEMVER_GTE, 2.4.0, 2.4.0, true",
      "SEMVER_GTE, 2.4.0, 2.3.99, false",
      "SEMVER_GTE, 2.4.0, 10.0.0, true",
      "SEMVER_LT, 2.0.0, 2.0.0-rc.1, true",
      "SEMVER_LT, 2.0.0, 1.99.99, true",
      "SEMVER_LT, 2.0.0, 2.0.1, false",
      "SEMVER_LTE, 2.0.0, 2.0.0, true",
      "SEMVER_LTE, 2.0.0, 2.0.1, false",
      "SEMVER_GTE, 1.0.0, 1.2, false",
      "SEMVER_GTE, 1.0.0, v1.2.3, false",
      "SEMVER_GTE, 1.0.0, 1.2.3-, false",
      "SEMVER_LTE, 1.x.0, 1.0.0, false",
      "SEMVER_EQ, 1.0.0, '', false",
    })
    void compareAttributeWithOperand(Operator op, String operand, String value, boolean expected) {
      assertThat(holds(op, operand, value)).isEqualTo(expected);
    }

    @Test
    void inMatchesAnyListedValueAndNotInMatchesNone() {
      FlagSnapshot in = fullyRolledOut(Rule.of(Condition.of("country", Operator.IN, "DE", "FR")));
      FlagSnapshot notIn =
          fullyRolledOut(Rule.of(Condition.of("country", Operator.NOT_IN, "DE", "FR")));

      for (String country : List.of("DE", "FR")) {
        EvaluationContext ctx = EvaluationContext.of("u", Map.of("country", country));
        assertThat(in.isEnabled(FLAG, ctx)).isTrue();
        assertThat(notIn.isEnabled(FLAG, ctx)).isFalse();
      }
      EvaluationContext us = EvaluationContext.of("u", Map.of("country", "US"));
      assertThat(in.isEnabled(FLAG, us)).isFalse();
      assertThat(notIn.isEnabled(FLAG, us)).isTrue();
    }

    @Test
    void numericOperatorsCompareNumbersNotStrings() {
      // Lexically "10" < "9"; numerically it is greater.
      assertThat(holds(Operator.GT, "9", "10")).isTrue();
      assertThat(holds(Operator.LT, "9", "10")).isFalse();
    }

    @Test
    void everyOperatorIsFalseWhenTheAttributeIsMissing() {
      for (Operator op : Operator.values()) {
        assertThat(holds(op, "1.0.0", null)).as(op.name()).isFalse();
      }
    }

    @Test
    void singleValueOperatorsWithoutOperandAreFalseAndEmptyNotInHoldsForPresentAttributes() {
      EvaluationContext ctx = EvaluationContext.of("u", Map.of("attr", "x"));
      assertThat(
              fullyRolledOut(Rule.of(new Condition("attr", Operator.EQ, List.of())))
                  .isEnabled(FLAG, ctx))
          .isFalse();
      assertThat(
              fullyRolledOut(Rule.of(new Condition("attr", Operator.NEQ, List.of())))
                  .isEnabled(FLAG, ctx))
          .isFalse();
      assertThat(
              fullyRolledOut(Rule.of(new Condition("attr", Operator.IN, List.of())))
                  .isEnabled(FLAG, ctx))
          .isFalse();
      assertThat(
              fullyRolledOut(Rule.of(new Condition("attr", Operator.NOT_IN, List.of())))
                  .isEnabled(FLAG, ctx))
          .isTrue();
    }

    @Test
    void userIdIsAvailableToConditionsAsAnAttribute() {
      FlagSnapshot snapshot =
          fullyRolledOut(Rule.of(Condition.of("userId", Operator.IN, "alice", "bob")));

      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("alice"))).isTrue();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("carol"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("carol", Map.of("userId", "alice"))))
          .as("the context's user id wins over an attribute named userId")
          .isFalse();
    }
  }

  @Nested
  class Rules {

    private final FlagSnapshot snapshot =
        fullyRolledOut(
            Rule.of(
                Condition.of("country", Operator.EQ, "DE"),
                Condition.of("plan", Operator.IN, "pro", "enterprise")),
            Rule.of(Condition.of("beta", Operator.EQ, "true")));

    @Test
    void conditionsWithinARuleAreAndedAndRulesAreOred() {
      assertThat(on(Map.of("country", "DE", "plan", "pro"))).isTrue();
      assertThat(on(Map.of("country", "DE", "plan", "free"))).isFalse();
      assertThat(on(Map.of("country", "FR", "plan", "pro"))).isFalse();
      assertThat(on(Map.of("country", "DE"))).isFalse();
      assertThat(on(Map.of("beta", "true"))).isTrue();
      assertThat(on(Map.of("country", "FR", "beta", "true"))).isTrue();
      assertThat(on(Map.of())).isFalse();
    }

    @Test
    void aFlagWithoutRulesTargetsEveryone() {
      FlagSnapshot noRules = fullyRolledOut();
      assertThat(noRules.isEnabled(FLAG, EvaluationContext.of("anyone"))).isTrue();
    }

    @Test
    void aRuleWithoutConditionsMatchesEveryone() {
      FlagSnapshot emptyRule = fullyRolledOut(new Rule(List.of()));
      assertThat(emptyRule.isEnabled(FLAG, EvaluationContext.of("anyone"))).isTrue();
    }

    @Test
    void matchingRulesStillApplyTheRolloutPercentage() {
      FlagSnapshot half =
          FlagSnapshot.of(
              List.of(
                  FlagDefinition.newFlag(FLAG)
                      .withRolloutBasisPoints(5_000)
                      .withRules(List.of(Rule.of(Condition.of("plan", Operator.EQ, "pro"))))));
      int on = 0;
      for (int u = 0; u < 4_000; u++) {
        EvaluationContext pro = EvaluationContext.of("user-" + u, Map.of("plan", "pro"));
        EvaluationContext free = EvaluationContext.of("user-" + u, Map.of("plan", "free"));
        if (half.isEnabled(FLAG, pro)) {
          on++;
          assertThat(Bucketing.bucket(FLAG, "user-" + u)).isLessThan(5_000);
        }
        assertThat(half.isEnabled(FLAG, free)).isFalse();
      }
      assertThat(on).isBetween(1_800, 2_200);
    }

    private boolean on(Map<String, String> attributes) {
      return snapshot.isEnabled(FLAG, EvaluationContext.of("u1", attributes));
    }
  }

  @Nested
  class SwitchesAndLists {

    private final FlagDefinition base =
        FlagDefinition.newFlag(FLAG)
            .withRolloutBasisPoints(10_000)
            .withAllowUsers(List.of("vip", "both"))
            .withDenyUsers(List.of("banned", "both"));

    @Test
    void deniedUsersAreOffEvenAtFullRolloutAndDenyBeatsAllow() {
      FlagSnapshot snapshot = FlagSnapshot.of(List.of(base));

      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("banned"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("both"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("anyone"))).isTrue();
    }

    @Test
    void allowedUsersAreOnAtZeroPercentAndDespiteFailingRules() {
      FlagSnapshot snapshot =
          FlagSnapshot.of(
              List.of(
                  base.withRolloutBasisPoints(0)
                      .withRules(List.of(Rule.of(Condition.of("plan", Operator.EQ, "pro"))))));

      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("vip"))).isTrue();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("anyone", Map.of("plan", "pro"))))
          .isFalse();
    }

    @Test
    void killedFlagIsOffForEveryoneIncludingAllowedUsers() {
      FlagSnapshot snapshot = FlagSnapshot.of(List.of(base.withKilled(true)));

      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("vip"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("anyone"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("anyone"), true))
          .as("the default applies to unknown flags only")
          .isFalse();
    }

    @Test
    void disabledFlagIsOffForEveryoneIncludingAllowedUsers() {
      FlagSnapshot snapshot = FlagSnapshot.of(List.of(base.withEnabled(false)));

      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("vip"))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of("anyone"))).isFalse();
    }

    @Test
    void zeroPercentIsOffAndFullRolloutIsOnForUsersWithoutLists() {
      FlagSnapshot zero = FlagSnapshot.of(List.of(FlagDefinition.newFlag(FLAG)));
      FlagSnapshot full =
          FlagSnapshot.of(List.of(FlagDefinition.newFlag(FLAG).withRolloutBasisPoints(10_000)));
      for (int u = 0; u < 1_000; u++) {
        assertThat(zero.isEnabled(FLAG, EvaluationContext.of("u" + u))).isFalse();
        assertThat(full.isEnabled(FLAG, EvaluationContext.of("u" + u))).isTrue();
      }
    }
  }

  @Nested
  class UnknownFlagsAndMissingData {

    private final FlagSnapshot snapshot =
        FlagSnapshot.of(List.of(FlagDefinition.newFlag(FLAG).withRolloutBasisPoints(10_000)));

    @Test
    void unknownFlagIsOffOrTheCallersDefault() {
      EvaluationContext ctx = EvaluationContext.of("u1");
      assertThat(snapshot.isEnabled("missing", ctx)).isFalse();
      assertThat(snapshot.isEnabled("missing", ctx, true)).isTrue();
      assertThat(snapshot.isEnabled(null, ctx, true)).isTrue();
      assertThat(FlagSnapshot.empty().isEnabled(FLAG, ctx, true)).isTrue();
    }

    @Test
    void missingStickinessValueIsOffEvenAtFullRollout() {
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.of(null, Map.of("x", "y")))).isFalse();
      assertThat(snapshot.isEnabled(FLAG, EvaluationContext.EMPTY)).isFalse();
      assertThat(snapshot.isEnabled(FLAG, null)).as("null context = empty context").isFalse();
    }

    @Test
    void customStickinessBucketsOnThatAttributeSoAnOrganisationMovesTogether() {
      FlagSnapshot byOrg =
          FlagSnapshot.of(
              List.of(
                  FlagDefinition.newFlag(FLAG)
                      .withRolloutBasisPoints(5_000)
                      .withStickiness("orgId")));
      int onOrgs = 0;
      for (int org = 0; org < 200; org++) {
        boolean expected = Bucketing.bucket(FLAG, "org-" + org) < 5_000;
        onOrgs += expected ? 1 : 0;
        for (int user = 0; user < 5; user++) {
          EvaluationContext ctx =
              EvaluationContext.of("user-" + org + "-" + user, Map.of("orgId", "org-" + org));
          assertThat(byOrg.isEnabled(FLAG, ctx)).isEqualTo(expected);
        }
      }
      assertThat(onOrgs).isBetween(70, 130);
      assertThat(byOrg.isEnabled(FLAG, EvaluationContext.of("user-without-org"))).isFalse();
    }

    @Test
    void customSaltReshufflesUsers() {
      FlagDefinition flag = FlagDefinition.newFlag(FLAG).withRolloutBasisPoints(5_000);
      FlagSnapshot a = FlagSnapshot.of(List.of(flag));
      FlagSnapshot b = FlagSnapshot.of(List.of(flag.withSalt("reshuffled")));
      int differ = 0;
      for (int u = 0; u < 2_000; u++) {
        EvaluationContext ctx = EvaluationContext.of("user-" + u);
        if (a.isEnabled(FLAG, ctx) != b.isEnabled(FLAG, ctx)) {
          differ++;
        }
      }
      assertThat(differ).isBetween(800, 1_200);
    }
  }

  @Nested
  class Snapshots {

    @Test
    void withFlagAppliesOnlyNewerVersionsAndReturnsTheSameInstanceOtherwise() {
      FlagDefinition v2 =
          FlagDefinition.newFlag(FLAG).withVersion(2).withRolloutBasisPoints(10_000);
      FlagSnapshot snapshot = FlagSnapshot.of(List.of(v2));

      assertThat(snapshot.withFlag(v2.withVersion(1).withKilled(true))).isSameAs(snapshot);
      assertThat(snapshot.withFlag(v2.withKilled(true))).isSameAs(snapshot);
      FlagSnapshot next = snapshot.withFlag(v2.withVersion(3).withKilled(true));
      assertThat(next).isNotSameAs(snapshot);
      assertThat(next.flag(FLAG).orElseThrow().version()).isEqualTo(3);
      assertThat(snapshot.flag(FLAG).orElseThrow().version())
          .as("copy-on-write leaves the old snapshot alone")
          .isEqualTo(2);
    }

    @Test
    void ofKeepsTheHighestVersionOfRepeatedNames() {
      FlagDefinition flag = FlagDefinition.newFlag(FLAG);
      FlagSnapshot snapshot =
          FlagSnapshot.of(List.of(flag.withVersion(5), flag.withVersion(9), flag.withVersion(7)));

      assertThat(snapshot.size()).isEqualTo(1);
      assertThat(snapshot.flag(FLAG).orElseThrow().version()).isEqualTo(9);
      assertThat(snapshot.names()).containsExactly(FLAG);
      assertThat(snapshot.definitions()).hasSize(1);
    }

    @Test
    void reconcileDropsFlagsMissingFromAFullLoadButKeepsNewerPushedVersions() {
      FlagDefinition a = FlagDefinition.newFlag("a");
      FlagDefinition b = FlagDefinition.newFlag("b");
      FlagSnapshot current = FlagSnapshot.of(List.of(a.withVersion(5), b.withVersion(1)));

      FlagSnapshot reloaded =
          current.reconcile(List.of(a.withVersion(4), FlagDefinition.newFlag("c")));

      assertThat(reloaded.names()).containsExactlyInAnyOrder("a", "c");
      assertThat(reloaded.flag("a").orElseThrow().version()).isEqualTo(5);
    }
  }
}
