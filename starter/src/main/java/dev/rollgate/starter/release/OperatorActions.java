package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import io.temporal.client.WorkflowStub;

/**
 * Sends the operator verbs every Rollgate workflow accepts, as updates, so the answer (or the
 * reason for a refusal) comes back at once.
 */
public final class OperatorActions {
  private OperatorActions() {}

  public static String approve(TemporalConnection temporal, String workflowId, Approval approval) {
    return update(temporal, workflowId, "Approve", approval);
  }

  public static String pause(TemporalConnection t, String workflowId, OperatorCommand command) {
    return update(t, workflowId, "Pause", command);
  }

  public static String resume(TemporalConnection t, String workflowId, OperatorCommand command) {
    return update(t, workflowId, "Resume", command);
  }

  public static String abort(TemporalConnection t, String workflowId, OperatorCommand command) {
    return update(t, workflowId, "Abort", command);
  }

  private static String update(
      TemporalConnection temporal, String workflowId, String name, Object argument) {
    WorkflowTargets.requireRunning(temporal, workflowId);
    WorkflowStub stub = temporal.client.newUntypedWorkflowStub(workflowId);
    try {
      return stub.update(name, String.class, argument);
    } catch (RuntimeException e) {
      throw WorkflowTargets.explain(temporal, workflowId, e);
    }
  }
}
