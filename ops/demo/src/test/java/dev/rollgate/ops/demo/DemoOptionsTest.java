package dev.rollgate.ops.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsKeepTheRolloutDemoAsItWas() {
    DemoOptions o = DemoOptions.parse(new String[0], Map.of());

    assertThat(o.port()).isEqualTo(8081);
    assertThat(o.loadRps()).isEqualTo(20);
    assertThat(o.loadTarget()).isNull();
    assertThat(o.version()).isEqualTo("1");
    assertThat(o.latencyMs()).isZero();
    assertThat(o.errorRate()).isZero();
  }

  @Test
  void deployBackendOptionsComeFromArgumentsOrEnvironment() {
    DemoOptions o =
        DemoOptions.parse(
            new String[] {"--version", "2", "--latency-ms=250", "--load-rps", "0"},
            Map.of("DEMO_VERSION", "9", "DEMO_LOAD_TARGET", "http://127.0.0.1:18090/api"));

    assertThat(o.version()).isEqualTo("2");
    assertThat(o.latencyMs()).isEqualTo(250);
    assertThat(o.loadRps()).isZero();
    assertThat(o.loadTarget()).isEqualTo("http://127.0.0.1:18090/api");
  }

  @Test
  void loadTargetReplacesTheUserPlaceholder() {
    DemoOptions o =
        DemoOptions.parse(
            new String[] {"--load-target", "http://127.0.0.1:1/checkout?user={user}"}, Map.of());

    assertThat(DemoOptions.loadTargetFor(o.loadTarget(), "user-42"))
        .hasToString("http://127.0.0.1:1/checkout?user=user-42");
  }

  @Test
  void badValuesAreOneClearError() {
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--version", "two words"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version must be");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--latency-ms", "-1"}, Map.of()))
        .hasMessage("latency must be 0..60000 ms, was -1");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--latency-ms", "fast"}, Map.of()))
        .hasMessageContaining("latency must be an integer");
    assertThatThrownBy(
            () -> DemoOptions.parse(new String[] {"--load-target", "ftp://host/x"}, Map.of()))
        .hasMessageContaining("load-target must be an http:// URL");
    assertThatThrownBy(
            () -> DemoOptions.parse(new String[] {"--load-target", "http://a b/"}, Map.of()))
        .hasMessageContaining("load-target is not a URL");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--load-rps", "1001"}, Map.of()))
        .hasMessageContaining("load-rps must be 0..1000");
  }
}
