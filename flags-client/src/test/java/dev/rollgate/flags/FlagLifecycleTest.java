package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flag types, their expected lifetimes, and the per-flag evaluation counter. */
class FlagLifecycleTest {

  @Test
  void typesHaveUnleashLifetimes() {
    assertThat(FlagType.RELEASE.lifetime()).contains(Duration.ofDays(40));
    assertThat(FlagType.EXPERIMENT.lifetime()).contains(Duration.ofDays(40));
    assertThat(FlagType.OPERATIONAL.lifetime()).contains(Duration.ofDays(7));
    assertThat(FlagType.KILL_SWITCH.lifetime()).isEmpty();
    assertThat(FlagType.PERMISSION.lifetime()).isEmpty();
    assertThat(FlagType.OPERATIONAL.staleAt(Duration.ofDays(8))).isTrue();
    assertThat(FlagType.OPERATIONAL.staleAt(Duration.ofDays(6))).isFalse();
    assertThat(FlagType.KILL_SWITCH.staleAt(Duration.ofDays(10_000))).isFalse();
  }

  @Test
  void typeParsesItsIdAndRefusesOthersNamingTheTypes() {
    assertThat(FlagType.parse("kill-switch")).isEqualTo(FlagType.KILL_SWITCH);
    assertThat(FlagType.parse("Kill_Switch")).isEqualTo(FlagType.KILL_SWITCH);
    assertThatThrownBy(() -> FlagType.parse("temporary"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "flag type 'temporary' does not exist; use one of release, experiment, operational,"
                + " kill-switch, permission");
  }

  @Test
  void newFlagIsARelease() {
    assertThat(FlagDefinition.newFlag("a").type()).isEqualTo(FlagType.RELEASE);
  }

  @Test
  void typeRoundTripsThroughTheCodecAndSurvivesEdits() {
    FlagDefinition flag =
        FlagDefinition.newFlag("ops").withType(FlagType.KILL_SWITCH).withRolloutBasisPoints(10);
    assertThat(flag.type()).isEqualTo(FlagType.KILL_SWITCH);
    String json = FlagCodec.toJson(flag);
    assertThat(json).contains("\"type\":\"kill-switch\"");
    assertThat(FlagCodec.fromJson(json)).isEqualTo(flag);
  }

  @Test
  void aStoredFlagWithoutATypeDecodesAsARelease() {
    // as written before flag types existed
    String old =
        "{\"name\":\"legacy\",\"version\":3,\"enabled\":true,\"killed\":false,"
            + "\"rolloutBasisPoints\":2500,\"salt\":\"legacy\",\"stickiness\":\"userId\","
            + "\"allowUsers\":[],\"denyUsers\":[],\"rules\":[],\"updatedBy\":\"alice\","
            + "\"updatedAtMillis\":1767225600000}";
    FlagDefinition flag = FlagCodec.fromJson(old);
    assertThat(flag.type()).isEqualTo(FlagType.RELEASE);
    assertThat(flag.rolloutBasisPoints()).isEqualTo(2500);
  }

  @Test
  void anUnknownTypeInJsonIsOneClearError() {
    String bad =
        "{\"name\":\"x\",\"version\":1,\"enabled\":true,\"killed\":false,"
            + "\"rolloutBasisPoints\":0,\"type\":\"forever\"}";
    assertThatThrownBy(() -> FlagCodec.fromJson(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flag type 'forever' does not exist");
  }

  @Test
  void evaluationsAreCountedPerFlagAndKeptAcrossVersions() {
    FlagDefinition a = FlagDefinition.newFlag("a").withRolloutBasisPoints(10_000).withVersion(1);
    FlagDefinition unused = FlagDefinition.newFlag("unused").withVersion(1);
    FlagDefinition parent =
        FlagDefinition.newFlag("parent")
            .withVersion(1)
            .withPrerequisites(List.of(new Prerequisite("a", true)));
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(a, unused, parent));
    EvaluationContext alice = EvaluationContext.of("alice", java.util.Map.of());

    snapshot.isEnabled("a", alice, false);
    snapshot.isEnabled("a", alice, false);
    snapshot.explain("a", alice, false);
    snapshot.isEnabled("parent", alice, false);
    assertThat(snapshot.evaluations("a")).as("the prerequisite check is not counted").isEqualTo(3);
    assertThat(snapshot.evaluations("parent")).isEqualTo(1);
    assertThat(snapshot.evaluations("unused")).isZero();
    assertThat(snapshot.evaluations("missing")).isZero();

    FlagSnapshot next = snapshot.withFlag(a.withVersion(2).withRolloutBasisPoints(0));
    next.isEnabled("a", alice, false);
    assertThat(next.evaluations("a")).as("carried to the new version").isEqualTo(4);
  }
}
