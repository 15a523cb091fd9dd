package dev.rollgate.starter;

import dev.rollgate.starter.rollout.RolloutPrinter;
import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.RolloutStatus;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowStub;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "describe",
    description = "Show a workflow: state, pending gates and activities, and its last events.")
public class DescribeCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "WORKFLOW_ID", description = "e.g. rollout/new_checkout")
  String workflowId;

  @Option(
      names = "--events",
      defaultValue = "10",
      description = "how many last events (${DEFAULT-VALUE})")
  int events;

  @Override
  public Integer call() {
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      DescribeWorkflowExecutionResponse d = WorkflowTargets.describe(temporal, workflowId);
      WorkflowExecutionInfo info = d.getWorkflowExecutionInfo();
      String type = info.getType().getName();
      boolean running =
          info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      WorkflowStub stub = temporal.client.newUntypedWorkflowStub(workflowId);
      Object state;
      try {
        state =
            FlagRolloutWorkflow.TYPE.equals(type)
                ? stub.query("status", RolloutStatus.class)
                : stub.query("gate", GateStatus.class);
      } catch (RuntimeException e) {
        state = null;
      }
      List<String> pending = new ArrayList<>();
      for (PendingActivityInfo a : d.getPendingActivitiesList()) {
        pending.add(
            a.getActivityType().getName()
                + " (attempt "
                + a.getAttempt()
                + (a.hasLastFailure() ? ", last failure: " + a.getLastFailure().getMessage() : "")
                + ")");
      }
      List<String> lastEvents = lastEvents(temporal, info.getExecution());
      if (connection.output == Output.json) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("workflowId", workflowId);
        json.put("runId", info.getExecution().getRunId());
        json.put("type", type);
        json.put("status", WorkflowTargets.statusName(info.getStatus()));
        json.put("started", Instant.ofEpochSecond(info.getStartTime().getSeconds()).toString());
        json.put("state", state);
        json.put("pendingActivities", pending);
        json.put("lastEvents", lastEvents);
        RollgateCli.printJson(spec, json);
        return 0;
      }
      var out = RollgateCli.out(spec);
      out.printf("Workflow   %s%n", workflowId);
      out.printf("Type       %s%n", type);
      out.printf(
          "Status     %s%s%n",
          WorkflowTargets.statusName(info.getStatus()),
          running ? "" : " at " + Instant.ofEpochSecond(info.getCloseTime().getSeconds()));
      out.printf("Started    %s%n", Instant.ofEpochSecond(info.getStartTime().getSeconds()));
      if (state instanceof RolloutStatus rollout) {
        RolloutPrinter.print(out, rollout, Instant.now());
      } else if (state instanceof GateStatus gate) {
        RolloutPrinter.printGate(out, gate, Instant.now());
      }
      if (!pending.isEmpty()) {
        out.println("Pending activities");
        pending.forEach(p -> out.println("  " + p));
      }
      out.println("Last events");
      lastEvents.forEach(e -> out.println("  " + e));
      return 0;
    }
  }

  private List<String> lastEvents(TemporalConnection temporal, WorkflowExecution execution) {
    List<HistoryEvent> all =
        temporal.client.fetchHistory(execution.getWorkflowId(), execution.getRunId()).getEvents();
    List<String> lines = new ArrayList<>();
    for (HistoryEvent e : all.subList(Math.max(0, all.size() - events), all.size())) {
      lines.add(
          e.getEventId()
              + "  "
              + Instant.ofEpochSecond(e.getEventTime().getSeconds())
              + "  "
              + e.getEventType().name().replace("EVENT_TYPE_", ""));
    }
    return lines;
  }
}
