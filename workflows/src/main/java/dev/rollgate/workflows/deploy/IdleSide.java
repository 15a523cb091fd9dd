package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.GuardrailSource;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sides of a blue-green deployment: preparing the idle side (through {@link TrafficControl}, so
 * that an undo waits for it), its checks (stable on ECS, healthy, smoke checks) as a guardrail
 * source, retiring the old side once the window is over, and scaling the idle side back to 0 on a
 * rollback.
 */
final class IdleSide implements GuardrailSource {
  /** {@code Workflow.getVersion} change id: a rollback also scales the prepared idle side to 0. */
  static final String RETIRE_IDLE_ON_ROLLBACK = "deploy-retire-idle-on-rollback";

  private static final Duration STABLE_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration HEALTH_TIMEOUT = Duration.ofMinutes(5);

  /** The ECS activities' start-to-close timeout: the longest wait (stable) and a margin. */
  static final Duration ACTIVITY_TIMEOUT = STABLE_TIMEOUT.plusMinutes(5);

  private final Release release;
  private final DeployRequest request;
  private final EnvironmentActivities environments;
  private final TrafficControl traffic;
  private final StageReports reports;

  IdleSide(
      Release release,
      DeployRequest request,
      EnvironmentActivities environments,
      TrafficControl traffic,
      StageReports reports) {
    this.release = release;
    this.request = request;
    this.environments = environments;
    this.traffic = traffic;
    this.reports = reports;
  }

  /** Whether a retry prepares (and checks) the idle side before it restores traffic to it. */
  static boolean preparedBeforeRestore() {
    return Workflow.getVersion(RETIRE_IDLE_ON_ROLLBACK, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  /** Brings the idle side up with the new version (ECS); the checks follow through the gate. */
  void prepare() {
    Environment e = request.environment();
    release.awaitRunning();
    if (e == null) {
      return;
    }
    release.enter(Phase.RUNNING, "preparing " + e.idleService());
    // since RETIRE_IDLE_ON_ROLLBACK a rollback before the window is over scales the idle side
    // (the new version, now without traffic) back to 0, as CodeDeploy ends a replacement task set
    if (Workflow.getVersion(RETIRE_IDLE_ON_ROLLBACK, Workflow.DEFAULT_VERSION, 1) >= 1) {
      release.changed(undo(e));
    }
    String key = release.stepKey("prepare-idle");
    String taskDefinition =
        traffic.change(() -> Async.function(environments::prepare, e, request.version(), key));
    release.checkAborted();
    release.record(
        OperatorGate.SYSTEM,
        "idle-side-prepared",
        e.idleService() + " runs " + taskDefinition + " (" + e.desiredCount() + " task(s))");
  }

  /** The window is over: the idle side is the live side, never scaled back. */
  void committed() {
    Environment e = request.environment();
    if (e != null) {
      release.settled(undo(e));
    }
  }

  /** Scales the old side to 0 once the new one keeps the traffic. */
  void retireOld() {
    Environment e = request.environment();
    if (e != null) {
      release.enter(Phase.RUNNING, "retiring " + e.stableService());
      environments.retire(e, e.stableService());
      release.record(OperatorGate.SYSTEM, "side-retired", e.stableService() + " scaled to 0");
    }
  }

  static boolean isUndo(Undo change) {
    return change.action().equals("idle-side");
  }

  /**
   * Scales the idle side back to 0 once every router and side change issued before has settled;
   * kept when the traffic's undo did not confirm all traffic on stable (the side may serve).
   */
  Promise<String> undo(String reason) {
    Environment e = request.environment();
    return traffic.afterWrites(
        () -> {
          if (traffic.split().canary() > 0) {
            return Workflow.newPromise(e.idleService() + " kept: traffic not confirmed on stable");
          }
          return Async.procedure(environments::retire, e, e.idleService())
              .thenApply(
                  v -> {
                    String done = e.idleService() + " (" + request.version() + ") scaled to 0";
                    release.record(OperatorGate.SYSTEM, "side-retired", done + " (" + reason + ")");
                    return done;
                  });
        });
  }

  private static Undo undo(Environment e) {
    return new Undo("idle-side", e.idleService(), "desired count 0");
  }

  // ---- the checks, as a guardrail source ----

  @Override
  public List<GuardrailReading> check(List<Guardrail> guardrails) {
    Environment e = request.environment();
    List<GuardrailReading> r = new ArrayList<>();
    if (e != null) {
      release.enter(Phase.CHECKING, "waiting for " + e.idleService() + " to be stable");
      boolean stable = environments.awaitStable(e, e.idleService(), STABLE_TIMEOUT);
      r.add(
          reading(
              "stable",
              stable,
              e.idleService()
                  + (stable
                      ? " is stable"
                      : " not stable after " + Words.duration(STABLE_TIMEOUT))));
      if (!stable) {
        return r;
      }
    }
    release.enter(Phase.CHECKING, "health and smoke checks on " + request.canaryUrl());
    CheckReport health = environments.health(request.canaryUrl(), 3, HEALTH_TIMEOUT);
    reports.notes(health.lines());
    r.add(reading("health", health.passed(), String.join("; ", health.lines())));
    if (health.passed() && !request.smoke().isEmpty()) {
      CheckReport smoke = environments.smoke(request.canaryUrl(), request.smoke());
      reports.notes(smoke.lines());
      r.add(reading("smoke", smoke.passed(), String.join("; ", smoke.lines())));
    }
    return r;
  }

  private static GuardrailReading reading(String name, boolean passed, String detail) {
    return new GuardrailReading(
        name,
        passed ? Verdict.PASS : Verdict.FAIL,
        passed ? 1.0 : 0.0,
        detail,
        Workflow.currentTimeMillis());
  }

  @Override
  public void validate(List<Guardrail> guardrails) {}

  @Override
  public void breached(Verdict verdict, BreachPolicy policy, String why) {
    reports.breached("smoke", verdict, policy, why);
  }
}
