package dev.rollgate.workflows.deploy;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;
import java.util.List;

/**
 * The sides of a deployment: bringing the idle side up with the new version (ECS), checking that a
 * side is healthy and answers its smoke checks (our own HTTP requests: the local AWS API runs no
 * tasks, and a real user wants them anyway), and retiring the old side.
 */
@ActivityInterface
public interface EnvironmentActivities {
  /** Checks that the cluster and both services exist. Non-retryable {@code NOT_FOUND} otherwise. */
  @ActivityMethod(name = "ValidateEnvironment")
  void validate(Environment environment);

  /**
   * Checks, at start, that the worker may call every URL the deployment names (warm-up, load-test
   * host, idle side): non-retryable {@code INVALID_INPUT} for a host outside the worker's {@code
   * rollgate.deploy.allowed-hosts}.
   */
  @ActivityMethod(name = "CheckOutboundUrls")
  void checkUrls(List<String> urls);

  /**
   * Registers the new version's task definition and updates the idle service to it (idempotent by
   * {@code key}); returns the task definition ARN.
   */
  @ActivityMethod(name = "PrepareIdleSide")
  String prepare(Environment environment, String version, String key);

  /** Waits until the ECS service is stable (heartbeats); false after {@code timeout}. */
  @ActivityMethod(name = "AwaitStable")
  boolean awaitStable(Environment environment, String service, Duration timeout);

  /**
   * Polls {@code url} until it answers 2xx {@code healthyAfter} times in a row, or {@code timeout}
   * passes (heartbeats).
   */
  @ActivityMethod(name = "CheckHealth")
  CheckReport health(String url, int healthyAfter, Duration timeout);

  /** Runs the smoke checks against {@code baseUrl} once each. */
  @ActivityMethod(name = "SmokeTest")
  CheckReport smoke(String baseUrl, List<SmokeCheck> checks);

  /** Scales the old side's service to 0 (idempotent). */
  @ActivityMethod(name = "RetireSide")
  void retire(Environment environment, String service);
}
