package dev.rollgate.worker.rollout;

import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which running rollout owns a flag. A flag has at most one rollout, {@code rollout/<flag>}; while
 * that workflow runs (scheduled, holding, paused) it owns the flag, and a change by hand would be
 * overwritten at its next step. Asked of Temporal at the time of the change, so nothing has to be
 * kept in step.
 *
 * <p>{@code rollgate.flags.owned-flag-policy}: {@code refuse} (default) refuses changes by hand to
 * an owned flag, {@code warn} makes them with a warning. The kill switch ({@code killed: true}) is
 * never refused: it is what an operator reaches for in an incident.
 */
@Component
class FlagOwners {
  enum Policy {
    REFUSE,
    WARN
  }

  private final WorkflowServiceStubs temporal;
  private final String namespace;
  private final Policy policy;

  FlagOwners(
      WorkflowServiceStubs temporal,
      @Value("${spring.temporal.namespace:default}") String namespace,
      @Value("${rollgate.flags.owned-flag-policy:refuse}") String policy) {
    this.temporal = temporal;
    this.namespace = namespace;
    try {
      this.policy = Policy.valueOf(policy.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "rollgate.flags.owned-flag-policy is '" + policy + "'; use refuse or warn", e);
    }
  }

  Policy policy() {
    return policy;
  }

  /**
   * The id of the running rollout of {@code flag}, or null when none runs.
   *
   * @throws IllegalStateException when Temporal cannot tell
   */
  String owner(String flag) {
    String workflowId = FlagRolloutWorkflow.workflowId(flag);
    try {
      WorkflowExecutionInfo info =
          temporal
              .blockingStub()
              .withDeadlineAfter(3, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build())
              .getWorkflowExecutionInfo();
      boolean running =
          info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      return running && !ended(info) ? workflowId : null;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw new IllegalStateException(
          "Temporal cannot tell whether a rollout owns the flag (" + e.getStatus().getCode() + ")",
          e);
    }
  }

  /**
   * Whether the run's phase is already terminal (it has undone its changes and only finishes its
   * audit): it no longer writes the flag, so it no longer owns it.
   */
  private static boolean ended(WorkflowExecutionInfo info) {
    Payload phase =
        info.getSearchAttributes()
            .getIndexedFieldsMap()
            .get(RollgateSearchAttributes.PHASE.getName());
    if (phase == null) {
      return false;
    }
    try {
      String name =
          DefaultDataConverter.STANDARD_INSTANCE.fromPayload(phase, String.class, String.class);
      return Phase.valueOf(name).isTerminal();
    } catch (RuntimeException e) {
      return false; // a phase this worker does not know: assume it still runs
    }
  }
}
