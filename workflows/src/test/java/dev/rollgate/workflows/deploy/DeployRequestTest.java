package dev.rollgate.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.testing.deploy.DeployRequests;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request's validation, which lives in the records it validates. */
class DeployRequestTest {
  private static final Router ROUTER = DeploymentWorkflowTest.ROUTER;

  @ParameterizedTest
  @ValueSource(strings = {"green;disable server app/blue", "green\nshow info", "green blue", ""})
  void haproxyNamesFollowHaproxysOwnRules(String name) {
    List<Router> bad =
        List.of(
            new Router(Router.HAPROXY, ROUTER.address(), name, "blue", "green"),
            new Router(Router.HAPROXY, ROUTER.address(), "app", name, "green"),
            new Router(Router.HAPROXY, ROUTER.address(), "app", "blue", name));
    for (Router r : bad) {
      String problem = DeploymentWorkflowTest.canary().router(r).build().problem();
      assertThat(problem).isNotNull().doesNotContain("\n");
      if (!name.isEmpty()) {
        assertThat(problem).contains("may contain only letters, digits, '-', '_', '.' and ':'");
      }
    }
  }

  @Test
  void haproxyNamesWithDotsColonsDashesAndUnderscoresAreAccepted() {
    Router r = new Router(Router.HAPROXY, ROUTER.address(), "be_app.v2", "srv-1:a", "srv_2.b");
    assertThat(r.problem()).isNull();
    assertThat(DeploymentWorkflowTest.canary().router(r).build().problem()).isNull();
  }

  @Test
  void eachRecordSaysWhatIsWrongWithIt() {
    assertThat(new Stage(0, Duration.ZERO).problem()).contains("outside 1-100");
    assertThat(new Stage(5, Duration.ofSeconds(-1)).problem()).contains("must not be negative");
    assertThat(new SmokeCheck("health", 200, null).problem()).contains("must start with /");
    assertThat(new SmokeCheck("/health", 700, null).problem()).contains("(100-599)");
    assertThat(new LoadTest("", 1, 1, Duration.ofSeconds(1), 0.01, 500).problem())
        .contains("locustfile");
    assertThat(new CanaryMetric("bad name", "up", null, false).problem()).contains("metric name");
    assertThat(new RollbackTriggers(0.02, 0.5, 0, Duration.ofSeconds(30)).problem())
        .contains("must be positive");
    assertThat(new Environment("ecs", "c", "a", "a", "f", "i", 1).problem())
        .contains("must differ");
    assertThat(new ResumeFrom(4, TrafficSplit.ALL_STABLE, "run").problem(4))
        .contains("not a stage");
    CanaryAnalysis a = DeployRequests.canaryAnalysis();
    CanaryAnalysis noSamples =
        new CanaryAnalysis(
            a.canarySide(),
            a.baselineSide(),
            a.backend(),
            a.metrics(),
            a.window(),
            a.step(),
            0,
            a.confidence(),
            a.allowedEffect(),
            a.mustHaveData(),
            a.triggers(),
            a.settings());
    assertThat(noSamples.problem()).isEqualTo("min samples must be at least 1");
    // and the request reports the first of them
    assertThat(DeploymentWorkflowTest.canary().analysis(noSamples).build().problem())
        .isEqualTo("min samples must be at least 1");
    assertThat(DeploymentWorkflowTest.canary().analysis(a).build().problem()).isNull();
  }
}
