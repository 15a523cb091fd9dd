package dev.rollgate.starter.deploy;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.DeployStatus;
import dev.rollgate.workflows.deploy.DeploymentWorkflow;
import dev.rollgate.workflows.release.Phase;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starts a deployment (fresh or a retry) and waits until it got past its checks. */
final class DeployLauncher {
  private DeployLauncher() {}

  static void launch(
      ConnectionOptions connection, Console console, DeployRequest request, boolean noWait) {
    String workflowId = DeploymentWorkflow.workflowId(request.service());
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      WorkflowStub stub =
          temporal.client.newUntypedWorkflowStub(
              DeploymentWorkflow.TYPE,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(workflowId)
                  .setTaskQueue(TaskQueues.ROLLGATE)
                  // a new run after a closed one (a new version, or a retry); one at a time
                  .setWorkflowIdReusePolicy(
                      WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                  .setWorkflowIdConflictPolicy(
                      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                  .setTypedSearchAttributes(
                      SearchAttributes.newBuilder()
                          .set(RollgateSearchAttributes.KIND, DeploymentWorkflow.KIND)
                          .set(RollgateSearchAttributes.TARGET, request.service())
                          .set(RollgateSearchAttributes.PHASE, Phase.STARTING.name())
                          .set(RollgateSearchAttributes.PROGRESS, 0.0)
                          .build())
                  .setStaticSummary(
                      "Deployment of "
                          + request.service()
                          + " "
                          + request.version()
                          + " by "
                          + request.initiator())
                  .build());
      try {
        stub.start(request);
      } catch (WorkflowExecutionAlreadyStarted e) {
        throw new CliException(
            "refused: a deployment of '"
                + request.service()
                + "' is already running (rollgate deploy status "
                + request.service()
                + ")");
      }
      DeployStatus status = noWait ? null : awaitFirstMove(temporal, workflowId, stub, request);
      if (console.json()) {
        console.printJson(status == null ? Map.of("workflowId", workflowId) : status);
      } else {
        console
            .out()
            .printf(
                "started %s: %s %s, %d stages (%s)%n",
                workflowId,
                request.strategy(),
                request.version(),
                request.stages().size(),
                request.resumeFrom() == null
                    ? "rollback " + request.rollback().words()
                    : "retry from stage " + (request.resumeFrom().stage() + 1));
        if (status != null) {
          new DeployPrinter().print(console.out(), status, Instant.now());
        }
      }
    }
  }

  /** Waits until the checks at start passed (first phase after STARTING), or says why not. */
  private static DeployStatus awaitFirstMove(
      TemporalConnection temporal, String workflowId, WorkflowStub stub, DeployRequest request) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      var info = WorkflowTargets.describe(temporal, workflowId).getWorkflowExecutionInfo();
      if (info.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        try {
          stub.getResult(2, TimeUnit.SECONDS, Object.class);
        } catch (TimeoutException | RuntimeException e) {
          String message =
              "deployment of '" + request.service() + "' failed to start: " + Console.reason(e);
          throw badInput(e) ? CliException.usage(message) : new CliException(message);
        }
        break;
      }
      try {
        DeployStatus status = stub.query("status", DeployStatus.class);
        if (status.phase() != Phase.STARTING && status.phase() != Phase.FAILED) {
          return status;
        }
      } catch (RuntimeException e) {
        // the first workflow task has not run yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted");
      }
    }
    return null;
  }

  /** A start refused for its input (bad PromQL, a backend that does not exist): exit 2. */
  private static boolean badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure af) {
        return FailureType.INVALID_INPUT.name().equals(af.getType())
            || FailureType.NOT_FOUND.name().equals(af.getType());
      }
    }
    return false;
  }
}
