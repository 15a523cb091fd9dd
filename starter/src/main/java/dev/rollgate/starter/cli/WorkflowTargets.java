package dev.rollgate.starter.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;

/** Finds workflows and turns Temporal's errors about them into one clear sentence. */
public final class WorkflowTargets {
  private WorkflowTargets() {}

  /** Describes the latest run of {@code workflowId}; fails clearly when there is none. */
  public static DescribeWorkflowExecutionResponse describe(
      TemporalConnection temporal, String workflowId) {
    try {
      return temporal
          .blocking()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(temporal.options.namespace)
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new CliException(
            "no workflow '" + workflowId + "' in namespace " + temporal.options.namespace);
      }
      throw new CliException("Temporal refused: " + e.getStatus().getDescription());
    }
  }

  /** Fails unless the workflow is running: "has already finished (COMPLETED)". */
  public static void requireRunning(TemporalConnection temporal, String workflowId) {
    WorkflowExecutionStatus status =
        describe(temporal, workflowId).getWorkflowExecutionInfo().getStatus();
    if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new CliException(
          "workflow '" + workflowId + "' has already finished (" + statusName(status) + ")");
    }
  }

  public static String statusName(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }

  /** One sentence for an error raised while talking to a workflow. */
  public static CliException explain(
      TemporalConnection temporal, String workflowId, RuntimeException e) {
    if (e instanceof CliException cli) {
      return cli;
    }
    if (e instanceof WorkflowUpdateException update) {
      return new CliException(Console.reason(update));
    }
    if (e instanceof WorkflowNotFoundException
        || (e instanceof WorkflowServiceException && hasStatus(e, Status.Code.NOT_FOUND))) {
      // either no such workflow, or it finished: say which
      requireRunning(temporal, workflowId);
      return new CliException("workflow '" + workflowId + "' is not accepting requests");
    }
    if (e instanceof WorkflowException we) {
      return new CliException(Console.reason(we));
    }
    if (e instanceof StatusRuntimeException sre) {
      return new CliException("Temporal error: " + sre.getStatus().getCode());
    }
    return new CliException(e.getMessage() == null ? e.toString() : e.getMessage());
  }

  private static boolean hasStatus(Throwable e, Status.Code code) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException sre && sre.getStatus().getCode() == code) {
        return true;
      }
    }
    return false;
  }
}
