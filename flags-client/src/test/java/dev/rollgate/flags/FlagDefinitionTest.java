package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagDefinitionTest {

  @Test
  void newFlagIsEnabledAtZeroPercentSaltedWithItsNameAndStickyOnUserId() {
    FlagDefinition flag = FlagDefinition.newFlag("dark_mode");

    assertThat(flag.name()).isEqualTo("dark_mode");
    assertThat(flag.version()).isZero();
    assertThat(flag.enabled()).isTrue();
    assertThat(flag.killed()).isFalse();
    assertThat(flag.rolloutBasisPoints()).isZero();
    assertThat(flag.salt()).isEqualTo("dark_mode");
    assertThat(flag.stickiness()).isEqualTo("userId");
    assertThat(flag.allowUsers()).isEmpty();
    assertThat(flag.denyUsers()).isEmpty();
    assertThat(flag.rules()).isEmpty();
  }

  @Test
  void withersChangeOneFieldAndLeaveTheOriginalUntouched() {
    FlagDefinition base = FlagDefinition.newFlag("f");

    FlagDefinition changed =
        base.withVersion(3)
            .withRolloutBasisPoints(125)
            .withKilled(true)
            .withEnabled(false)
            .withAllowUsers(List.of("a"))
            .withDenyUsers(List.of("d"))
            .withRules(List.of(Rule.of(Condition.of("plan", Operator.EQ, "pro"))))
            .withUpdated("bob", 42L);

    assertThat(base).isEqualTo(FlagDefinition.newFlag("f"));
    assertThat(changed.version()).isEqualTo(3);
    assertThat(changed.rolloutBasisPoints()).isEqualTo(125);
    assertThat(changed.rolloutPercent()).isEqualTo(1.25);
    assertThat(changed.killed()).isTrue();
    assertThat(changed.enabled()).isFalse();
    assertThat(changed.allowUsers()).containsExactly("a");
    assertThat(changed.denyUsers()).containsExactly("d");
    assertThat(changed.rules()).hasSize(1);
    assertThat(changed.updatedBy()).isEqualTo("bob");
    assertThat(changed.updatedAtMillis()).isEqualTo(42L);
    assertThat(changed.name()).isEqualTo("f");
    assertThat(changed.salt()).isEqualTo("f");
  }

  @Test
  void copiesListsSoCallersCannotMutateAFlag() {
    List<String> allow = new ArrayList<>(List.of("a"));
    FlagDefinition flag = FlagDefinition.newFlag("f").withAllowUsers(allow);

    allow.add("b");

    assertThat(flag.allowUsers()).containsExactly("a");
    assertThatThrownBy(() -> flag.allowUsers().add("c"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsBasisPointsOutsideZeroToTenThousandAndNegativeVersions() {
    FlagDefinition flag = FlagDefinition.newFlag("f");

    assertThat(flag.withRolloutBasisPoints(10_000).rolloutPercent()).isEqualTo(100.0);
    assertThatThrownBy(() -> flag.withRolloutBasisPoints(10_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0..10000");
    assertThatThrownBy(() -> flag.withRolloutBasisPoints(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> flag.withVersion(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsInvalidNames() {
    assertThatThrownBy(() -> FlagDefinition.newFlag("has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a space");
  }

  @Test
  void emptySaltMeansTheNameAndBlankStickinessMeansUserId() {
    FlagDefinition flag = FlagDefinition.newFlag("f").withSalt("").withStickiness(" ");

    assertThat(flag.salt()).isEqualTo("f");
    assertThat(flag.stickiness()).isEqualTo("userId");
  }
}
