package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prerequisite flags: LaunchDarkly's semantics, checks when defined, the depth cap. */
class PrerequisiteTest {

  private static FlagDefinition flag(String name, int percent, Prerequisite... prerequisites) {
    return FlagDefinition.newFlag(name)
        .withRolloutBasisPoints(percent * 100)
        .withPrerequisites(List.of(prerequisites));
  }

  private static Map<String, FlagDefinition> stored(FlagDefinition... flags) {
    Map<String, FlagDefinition> map = new HashMap<>();
    for (FlagDefinition f : flags) {
      map.put(f.name(), f);
    }
    return map;
  }

  @Test
  void aFlagIsOffWithPrerequisiteFailedUnlessItsPrerequisiteGivesTheRequiredAnswer() {
    FlagDefinition base = flag("new_api", 50);
    FlagDefinition dependent = flag("new_checkout", 100, Prerequisite.on("new_api"));
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(base, dependent));
    int on = 0;
    for (int i = 0; i < 200; i++) {
      EvaluationContext ctx = EvaluationContext.of("user-" + i);
      FlagEvaluation e = snapshot.explain("new_checkout", ctx, false);
      boolean baseOn = snapshot.isEnabled("new_api", ctx);
      assertThat(e.on()).isEqualTo(baseOn).isEqualTo(snapshot.isEnabled("new_checkout", ctx));
      if (baseOn) {
        assertThat(e.reason()).isEqualTo(EvaluationReason.ROLLOUT);
        on++;
      } else {
        assertThat(e.reason()).isEqualTo(EvaluationReason.PREREQUISITE_FAILED);
        assertThat(e.prerequisite()).isEqualTo("new_api");
        assertThat(e.explanation())
            .isEqualTo("OFF: prerequisite new_api did not give its required answer");
      }
    }
    assertThat(on).isBetween(60, 140);
  }

  @Test
  void aKilledDisabledOrUnknownPrerequisiteFailsWhateverTheAnswerRequired() {
    FlagDefinition wantsOff = flag("legacy_ui", 100, new Prerequisite("new_ui", false));
    EvaluationContext ctx = EvaluationContext.of("u1");
    assertThat(FlagSnapshot.of(List.of(flag("new_ui", 0), wantsOff)).isEnabled("legacy_ui", ctx))
        .as("new_ui is off for u1, as required")
        .isTrue();
    assertThat(FlagSnapshot.of(List.of(flag("new_ui", 100), wantsOff)).isEnabled("legacy_ui", ctx))
        .isFalse();
    assertThat(
            FlagSnapshot.of(List.of(flag("new_ui", 0).withKilled(true), wantsOff))
                .explain("legacy_ui", ctx, false)
                .reason())
        .isEqualTo(EvaluationReason.PREREQUISITE_FAILED);
    assertThat(
            FlagSnapshot.of(List.of(flag("new_ui", 0).withEnabled(false), wantsOff))
                .isEnabled("legacy_ui", ctx))
        .isFalse();
    assertThat(FlagSnapshot.of(List.of(wantsOff)).explain("legacy_ui", ctx, false).prerequisite())
        .as("deleted since")
        .isEqualTo("new_ui");
    assertThat(
            FlagSnapshot.of(List.of(flag("new_ui", 0), wantsOff.withKilled(true)))
                .explain("legacy_ui", ctx, false)
                .reason())
        .as("the switches come first")
        .isEqualTo(EvaluationReason.KILLED);
  }

  @Test
  void aCycleWrittenByRacingChangesTurnsItsFlagsOffInsteadOfLooping() {
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(flag("a", 100, Prerequisite.on("b")), flag("b", 100, Prerequisite.on("a"))));
    assertThat(snapshot.explain("a", EvaluationContext.of("u"), true).reason())
        .isEqualTo(EvaluationReason.PREREQUISITE_FAILED);
    assertThat(snapshot.isEnabled("b", EvaluationContext.of("u"))).isFalse();
  }

  @Test
  void missingSelfRepeatedAndTooManyPrerequisitesAreRefused() {
    FlagDefinition a = flag("a", 10);
    assertThat(FlagValidation.prerequisitesProblem(flag("b", 10, Prerequisite.on("a")), stored(a)))
        .isNull();
    assertThat(FlagValidation.prerequisitesProblem(flag("b", 10, Prerequisite.on("zz")), stored(a)))
        .isEqualTo("prerequisite 'zz' does not exist (define it first)");
    assertThat(FlagValidation.prerequisitesProblem(flag("a", 10, Prerequisite.on("a")), stored(a)))
        .isEqualTo("flag a cannot be its own prerequisite");
    assertThat(
            FlagValidation.prerequisitesProblem(
                flag("b", 10, Prerequisite.on("a"), new Prerequisite("a", false)), stored(a)))
        .isEqualTo("prerequisite 'a' is listed twice");
    Prerequisite[] many = new Prerequisite[11];
    for (int i = 0; i < many.length; i++) {
      many[i] = Prerequisite.on("p" + i);
    }
    assertThat(FlagValidation.prerequisitesProblem(flag("b", 10, many), stored(a)))
        .isEqualTo("flag b has 11 prerequisites; the limit is 10");
  }

  @Test
  void cyclesAreRefusedNamingThePath() {
    FlagDefinition a = flag("a", 10, Prerequisite.on("b"));
    FlagDefinition b = flag("b", 10, Prerequisite.on("c"));
    FlagDefinition c = flag("c", 10);
    assertThat(
            FlagValidation.prerequisitesProblem(
                flag("c", 10, Prerequisite.on("a")), stored(a, b, c)))
        .isEqualTo("prerequisites cannot form a cycle: c -> a -> b -> c");
  }

  @Test
  void chainsDeeperThanTheCapAreRefusedCountingTheFlagsAboveAndBelow() {
    // f0 -> f1 -> f2 -> f3 -> f4 -> f5: 5 links, the limit
    Map<String, FlagDefinition> chain = new HashMap<>();
    for (int i = 0; i <= 5; i++) {
      FlagDefinition f = i < 5 ? flag("f" + i, 10, Prerequisite.on("f" + (i + 1))) : flag("f5", 10);
      chain.put(f.name(), f);
    }
    assertThat(FlagValidation.prerequisitesProblem(chain.get("f0"), chain)).isNull();
    chain.put("g", flag("g", 10));
    assertThat(FlagValidation.prerequisitesProblem(flag("f5", 10, Prerequisite.on("g")), chain))
        .isEqualTo(
            "the prerequisite chain from f0 through f5 would be 6 links deep; the limit is 5");
    assertThat(FlagValidation.prerequisitesProblem(flag("top", 10, Prerequisite.on("f0")), chain))
        .isEqualTo(
            "the prerequisite chain from top through top would be 6 links deep; the limit is 5");

    // and evaluation stops at the same depth
    chain.put("top", flag("top", 100, Prerequisite.on("f0")));
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            chain.values().stream().map(f -> f.withRolloutBasisPoints(10_000)).toList());
    assertThat(snapshot.isEnabled("f0", EvaluationContext.of("u"))).isTrue();
    assertThat(snapshot.explain("top", EvaluationContext.of("u"), false).reason())
        .isEqualTo(EvaluationReason.PREREQUISITE_FAILED);
  }

  @Test
  void prerequisitesSurviveTheCodecAndAreOmittedWhenEmpty() {
    FlagDefinition f = flag("b", 10, Prerequisite.on("a"), new Prerequisite("c", false));
    String json = FlagCodec.toJson(f);
    assertThat(json)
        .contains("\"prerequisites\":[{\"flag\":\"a\",\"on\":true},{\"flag\":\"c\",\"on\":false}]");
    assertThat(FlagCodec.fromJson(json)).isEqualTo(f);
    assertThat(FlagCodec.toJson(flag("a", 10))).doesNotContain("prerequisites");
  }

  @Test
  void evaluationThroughPrerequisitesAllocatesNothing() {
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(
                flag("a", 60),
                flag("b", 80, Prerequisite.on("a")),
                flag("c", 90, Prerequisite.on("b"), new Prerequisite("d", false)),
                flag("d", 5)));
    EvaluationContext[] contexts = new EvaluationContext[64];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = EvaluationContext.of("user-" + i);
    }
    int[] next = {0};
    long bytes =
        AllocationTest.allocatedBytes(
            AllocationTest.OPS,
            () -> snapshot.isEnabled("c", contexts[next[0]++ & (contexts.length - 1)]));
    assertThat(bytes).isLessThan(AllocationTest.SLACK_BYTES);
  }
}
