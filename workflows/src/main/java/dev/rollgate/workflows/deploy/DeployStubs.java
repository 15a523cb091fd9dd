package dev.rollgate.workflows.deploy;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The activity stubs of a deployment, with their timeouts and retries: a change that does not
 * happen must fail (loudly, through the saga), not retry for ever.
 *
 * @param traffic the router
 * @param environments the sides (ECS, health and smoke checks)
 * @param analyses canary analysis, triggers, reports
 * @param longRunning warm-up and load test (heartbeating)
 */
record DeployStubs(
    TrafficActivities traffic,
    EnvironmentActivities environments,
    AnalysisActivities analyses,
    AnalysisActivities longRunning) {

  static DeployStubs create() {
    return new DeployStubs(
        Workflow.newActivityStub(
            TrafficActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(retry(10))
                .build()),
        Workflow.newActivityStub(
            EnvironmentActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(IdleSide.ACTIVITY_TIMEOUT)
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry(5))
                .build()),
        Workflow.newActivityStub(
            AnalysisActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(retry(3))
                .build()),
        Workflow.newActivityStub(
            AnalysisActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(6))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry(2))
                .build()));
  }

  private static RetryOptions retry(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setMaximumInterval(Duration.ofSeconds(10))
        .setMaximumAttempts(attempts)
        .build();
  }
}
