package dev.rollgate.workflows.testing.deploy;

import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.CanaryMetric;
import dev.rollgate.workflows.deploy.DeployPresets;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.RollbackTriggers;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.SmokeCheck;
import dev.rollgate.workflows.deploy.Stage;
import dev.rollgate.workflows.gate.Analysis;
import java.time.Duration;
import java.util.List;

/**
 * The deployments the workflow tests start: service {@code api} by alice, a canary on an HAProxy
 * backend {@code app} (blue stable, green canary) analysed every minute, and a blue-green on ECS
 * sides with a 30-minute rollback window. Tests change what they need through the builder.
 */
public final class DeployRequests {
  public static final String SERVICE = "api";
  public static final Duration INTERVAL = Duration.ofMinutes(1);
  public static final Router ROUTER =
      new Router(Router.HAPROXY, "unix:/run/haproxy/admin.sock", "app", "blue", "green");
  public static final List<Stage> STAGES =
      List.of(
          new Stage(5, Duration.ofMinutes(10)),
          new Stage(25, Duration.ofMinutes(10)),
          new Stage(50, Duration.ofMinutes(10)),
          new Stage(100, Duration.ZERO));
  public static final Environment ECS =
      new Environment(Environment.ECS, "prod", "api-blue", "api-green", "api", "repo/api", 2);

  private DeployRequests() {}

  /** One critical metric (error ratio at most 2 %), one measurement per gate, every minute. */
  public static CanaryAnalysis canaryAnalysis() {
    return new CanaryAnalysis(
        "green",
        "blue",
        "app",
        List.of(new CanaryMetric("error_ratio", "errors{side=\"{{side}}\"}", 0.02, true)),
        Duration.ofMinutes(1),
        Duration.ofSeconds(1),
        50,
        0.98,
        0.25,
        true,
        RollbackTriggers.defaults(),
        new Analysis(INTERVAL, Duration.ZERO, 1, 0, 0, 4, false));
  }

  /** A canary through 5, 25, 50 and 100 %, each held 10 minutes but the last. */
  public static DeployRequest.Builder canary() {
    return DeployRequest.builder()
        .service(SERVICE)
        .version("2.0.0")
        .initiator("alice")
        .reason("test")
        .stages(STAGES)
        .router(ROUTER)
        .analysis(canaryAnalysis());
  }

  /** A blue-green through the default stages, smoke-checked, with a 30-minute rollback window. */
  public static DeployRequest.Builder blueGreen() {
    return canary()
        .strategy(DeployRequest.BLUE_GREEN)
        .stages(DeployPresets.DEFAULT_BLUE_GREEN)
        .environment(ECS)
        .canaryUrl("http://green.internal:8080")
        .smoke(List.of(new SmokeCheck("/health", 200, "ok")))
        .rollbackWindow(Duration.ofMinutes(30));
  }
}
