package dev.rollgate.workflows.testing.dial;

import dev.rollgate.workflows.gate.GuardrailGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;

/** The dial kind: only its steps and its undo; the kit does the rest. */
public class DialWorkflowImpl extends ReleaseWorkflowBase implements DialWorkflow {
  private final DialRequest request;
  private final DialActivities dials;
  private final GuardrailGate guardrails;
  private int next;
  private int value;

  @WorkflowInit
  public DialWorkflowImpl(DialRequest request) {
    super(
        new Release(
            KIND,
            request.dial(),
            request.initiator(),
            request.carried() == null ? null : request.carried().kit()));
    this.request = request;
    this.dials =
        Workflow.newActivityStub(
            DialActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
                .build());
    this.guardrails =
        new GuardrailGate(release, request.guardrails(), request.checkEvery(), request.onBreach());
    if (request.carried() != null) {
      next = request.carried().next();
      value = request.carried().value();
    }
  }

  @Override
  public String turn(DialRequest ignored) {
    String problem = request.values().isEmpty() ? "a dial needs at least one value" : null;
    return release.run(problem, this::steps).summary();
  }

  private String steps() {
    if (request.carried() == null) {
      release.publish();
      guardrails.validate();
      release.scheduled(request.startAtMillis());
    }
    int doneThisRun = 0;
    while (next < request.values().size()) {
      int target = request.values().get(next);
      if (next > 0) {
        release.hold(request.hold(), "hold before " + target, request.checkEvery(), holdCheck());
      }
      if (request.approveAt().contains(target)) {
        release.awaitApprovals("gate before " + target, request.approvals());
      }
      guardrails.beforeStep(String.valueOf(target));
      release.enter(Phase.RUNNING, "turning to " + target);
      release.changed(new Undo("dial", request.dial(), "0"));
      value = dials.set(request.dial(), target, release.stepKey("step-" + next));
      next++;
      doneThisRun++;
      release.checkAborted();
      if (request.continueAsNewEvery() > 0
          && doneThisRun >= request.continueAsNewEvery()
          && next < request.values().size()) {
        release.continueAsNew();
      }
    }
    return request.dial() + " at " + value;
  }

  /** The check a hold runs; tests override it (a slow check, say). */
  protected Runnable holdCheck() {
    return guardrails.duringHold();
  }

  @Override
  public DialRequest nextRun() {
    return request.carrying(new DialRequest.Carried(next, value, release.carry()));
  }

  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    return Async.function(dials::set, change.subject(), 0, release.stepKey("undo"))
        .thenApply(
            v -> {
              value = v;
              return change.subject() + " back to " + v;
            });
  }

  @Override
  public double progress() {
    return value;
  }

  @Override
  public String position() {
    return "at " + value + " (step " + next + " of " + request.values().size() + ")";
  }

  @Override
  public String next() {
    return next < request.values().size() ? String.valueOf(request.values().get(next)) : null;
  }
}
