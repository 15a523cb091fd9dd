package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link FlagSnapshot#explain}: the reason, rule and bucket behind each answer. */
class FlagExplanationTest {

  private static final FlagDefinition FLAG =
      FlagDefinition.newFlag("checkout")
          .withVersion(7)
          .withRolloutBasisPoints(2_500)
          .withAllowUsers(List.of("vip"))
          .withDenyUsers(List.of("banned"))
          .withRules(
              List.of(
                  Rule.of(Condition.of("country", Operator.IN, "DE")),
                  Rule.of(Condition.of("plan", Operator.EQ, "pro"))));

  private static FlagEvaluation explain(FlagDefinition flag, EvaluationContext ctx) {
    return FlagSnapshot.of(List.of(flag)).explain(flag.name(), ctx, false);
  }

  @Test
  void eachCheckNamesItselfAsTheReason() {
    assertThat(explain(FLAG.withKilled(true), EvaluationContext.of("vip")).reason())
        .isEqualTo(EvaluationReason.KILLED);
    assertThat(explain(FLAG.withEnabled(false), EvaluationContext.of("vip")).reason())
        .isEqualTo(EvaluationReason.DISABLED);
    assertThat(explain(FLAG, EvaluationContext.of("banned")).reason())
        .isEqualTo(EvaluationReason.DENY_LIST);
    FlagEvaluation allowed = explain(FLAG, EvaluationContext.of("vip"));
    assertThat(allowed.on()).isTrue();
    assertThat(allowed.reason()).isEqualTo(EvaluationReason.ALLOW_LIST);
    assertThat(explain(FLAG, EvaluationContext.of("u", Map.of("country", "US"))).reason())
        .isEqualTo(EvaluationReason.NO_RULE_MATCHED);
    FlagEvaluation noKey = explain(FLAG, EvaluationContext.of(null, Map.of("plan", "pro")));
    assertThat(noKey.reason()).isEqualTo(EvaluationReason.NO_STICKINESS_VALUE);
    assertThat(noKey.rule()).isEqualTo(2);
    FlagSnapshot empty = FlagSnapshot.of(List.of());
    assertThat(empty.explain("nope", EvaluationContext.of("u"), true))
        .isEqualTo(
            new FlagEvaluation("nope", -1, true, EvaluationReason.UNKNOWN_FLAG, 0, -1, 0, null));
  }

  @Test
  void theRolloutReasonCarriesTheMatchingRuleAndTheBucketIsEnabledUses() {
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(FLAG));
    int on = 0;
    for (int i = 0; i < 400; i++) {
      EvaluationContext ctx =
          EvaluationContext.of("user-" + i, Map.of("country", "FR", "plan", "pro"));
      FlagEvaluation e = snapshot.explain("checkout", ctx, false);
      assertThat(e.reason()).isEqualTo(EvaluationReason.ROLLOUT);
      assertThat(e.rule()).isEqualTo(2);
      assertThat(e.version()).isEqualTo(7);
      assertThat(e.bucket()).isEqualTo(Bucketing.bucket("checkout", "user-" + i));
      assertThat(e.on())
          .isEqualTo(e.bucket() < 2_500)
          .isEqualTo(snapshot.isEnabled("checkout", ctx));
      on += e.on() ? 1 : 0;
    }
    assertThat(on).isBetween(60, 140);
  }

  @Test
  void explanationsReadAsOneLine() {
    FlagEvaluation e =
        new FlagEvaluation("f", 3, true, EvaluationReason.ROLLOUT, 2, 1234, 2_550, null);
    assertThat(e.explanation()).isEqualTo("ON: rule 2 matched, bucket 1234 < 2550 (25.5 %)");
    assertThat(
            new FlagEvaluation("f", 3, false, EvaluationReason.ROLLOUT, 0, 9000, 10, null)
                .explanation())
        .isEqualTo("OFF: bucket 9000 >= 10 (0.1 %)");
    assertThat(
            new FlagEvaluation("f", 3, false, EvaluationReason.DENY_LIST, 0, -1, 10, null)
                .explanation())
        .isEqualTo("OFF: the user is on the deny list");
  }
}
