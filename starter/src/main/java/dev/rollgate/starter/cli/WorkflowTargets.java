package dev.rollgate.starter.cli;

import dev.rollgate.workflows.gate.OperatorText;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;
import java.time.Instant;

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

  /**
   * The last heartbeat of the running activity of type {@code activityType} as {@code type} (a
   * slice's progress, fresher than the workflow's last finished one), or null when none runs or its
   * heartbeat is of another shape.
   */
  public static <T> T heartbeat(
      TemporalConnection temporal, String workflowId, String activityType, Class<T> type) {
    for (io.temporal.api.workflow.v1.PendingActivityInfo a :
        describe(temporal, workflowId).getPendingActivitiesList()) {
      if (!a.getActivityType().getName().equals(activityType) || !a.hasHeartbeatDetails()) {
        continue;
      }
      try {
        return temporal
            .client
            .getOptions()
            .getDataConverter()
            .fromPayloads(0, java.util.Optional.of(a.getHeartbeatDetails()), type, type);
      } catch (RuntimeException e) {
        return null; // a heartbeat of another shape
      }
    }
    return null;
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

  /**
   * One line for a run that Temporal ended without the workflow's own code (terminated or timed
   * out): its queries would show the phase it had then, as if it were still going. Null for any
   * other run.
   */
  public static String endedOutsideRollgate(
      TemporalConnection temporal, String workflowId, DescribeWorkflowExecutionResponse d) {
    WorkflowExecutionInfo info = d.getWorkflowExecutionInfo();
    WorkflowExecutionStatus status = info.getStatus();
    if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED
        && status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT) {
      return null;
    }
    StringBuilder line =
        new StringBuilder(workflowId)
            .append(": ")
            .append(statusName(status))
            .append(" by Temporal at ")
            .append(Instant.ofEpochSecond(info.getCloseTime().getSeconds()));
    String why = terminationReason(temporal, info.getExecution());
    if (why != null) {
      line.append(" (").append(why).append(')');
    }
    return line.append("; the release did not end itself (no undo, no final audit row)").toString();
  }

  /** "by IDENTITY: REASON" from the run's close event, or null when there is none to read. */
  private static String terminationReason(TemporalConnection temporal, WorkflowExecution run) {
    try {
      var events =
          temporal
              .blocking()
              .getWorkflowExecutionHistory(
                  GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(temporal.options.namespace)
                      .setExecution(run)
                      .setHistoryEventFilterType(
                          HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
                      .build())
              .getHistory()
              .getEventsList();
      for (HistoryEvent e : events) {
        if (e.hasWorkflowExecutionTerminatedEventAttributes()) {
          var t = e.getWorkflowExecutionTerminatedEventAttributes();
          String who = t.getIdentity().isBlank() ? "" : "by " + t.getIdentity();
          String reason = OperatorText.excerpt(t.getReason());
          return reason.isEmpty()
              ? (who.isEmpty() ? null : who)
              : who + (who.isEmpty() ? "" : ": ") + reason;
        }
      }
      return null;
    } catch (StatusRuntimeException e) {
      return null;
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
