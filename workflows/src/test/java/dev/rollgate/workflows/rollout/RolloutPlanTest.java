package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {

  @Test
  void linearRampReachesTheTargetExactlyAtTheEnd() {
    RolloutPlan plan = RolloutPlan.linear(100, Duration.ofDays(7), Duration.ofHours(1));

    assertThat(plan.steps()).hasSize(168);
    assertThat(plan.steps().get(0).percent()).isEqualTo(0.6);
    assertThat(plan.steps().get(167).percent()).isEqualTo(100.0);
    assertThat(plan.totalDuration()).isEqualTo(Duration.ofDays(7));
    assertThat(plan.problem()).isNull();
  }

  @Test
  void explicitStepsApplyTheFirstAtOnceAndHoldBetweenTheRest() {
    RolloutPlan plan = RolloutPlan.explicit(List.of(1.0, 5.0, 100.0), Duration.ofHours(24));

    assertThat(plan.steps())
        .extracting(RolloutStep::holdBefore)
        .containsExactly(Duration.ZERO, Duration.ofHours(24), Duration.ofHours(24));
  }

  @Test
  void badPlansAreRefusedWithOneLine() {
    assertThatThrownBy(() -> RolloutPlan.explicit(List.of(5.0, 5.0), Duration.ofHours(1)))
        .hasMessageContaining("strictly increasing");
    assertThatThrownBy(() -> RolloutPlan.explicit(List.of(0.0, 5.0), Duration.ofHours(1)))
        .hasMessageContaining("outside 0-100");
    assertThatThrownBy(() -> RolloutPlan.explicit(List.of(1.001), Duration.ofHours(1)))
        .hasMessageContaining("finer than 0.01");
    assertThatThrownBy(() -> RolloutPlan.explicit(List.of(1.0), Duration.ZERO))
        .hasMessageContaining("longer than zero");
    assertThatThrownBy(() -> RolloutPlan.linear(100, Duration.ofHours(1), Duration.ofHours(2)))
        .hasMessageContaining("longer than the ramp");
    assertThatThrownBy(() -> RolloutPlan.linear(1, Duration.ofDays(7), Duration.ofSeconds(1)))
        .hasMessageContaining("granularity");
  }
}
