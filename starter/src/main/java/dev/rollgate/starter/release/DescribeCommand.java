package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "describe",
    description = "Show a release: state, pending gates and activities, and its last events.")
public class DescribeCommand extends ReleaseCommand {
  @Option(
      names = "--events",
      defaultValue = "10",
      description = "how many last events (${DEFAULT-VALUE})")
  int events;

  public DescribeCommand(Kinds kinds, Kind kind) {
    super(kinds, kind);
  }

  @Override
  public Integer call() {
    String workflowId = workflowId();
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      DescribeWorkflowExecutionResponse d = WorkflowTargets.describe(temporal, workflowId);
      WorkflowExecutionInfo info = d.getWorkflowExecutionInfo();
      boolean running =
          info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      Kind.StatusView view = kinds.viewFor(workflowId);
      Object state;
      try {
        state = view.query(temporal.client.newUntypedWorkflowStub(workflowId));
      } catch (RuntimeException e) {
        state = null; // not a Rollgate release, or no worker to answer the query
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
      String status = WorkflowTargets.statusName(info.getStatus());
      Instant started = Instant.ofEpochSecond(info.getStartTime().getSeconds());
      if (console().json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("workflowId", workflowId);
        json.put("runId", info.getExecution().getRunId());
        json.put("type", info.getType().getName());
        json.put("status", status);
        json.put("started", started.toString());
        json.put("state", state);
        json.put("pendingActivities", pending);
        json.put("lastEvents", lastEvents);
        console().printJson(json);
        return 0;
      }
      var out = console().out();
      out.printf("Workflow   %s%n", workflowId);
      out.printf("Type       %s%n", info.getType().getName());
      out.printf(
          "Status     %s%s%n",
          status, running ? "" : " at " + Instant.ofEpochSecond(info.getCloseTime().getSeconds()));
      out.printf("Started    %s%n", started);
      if (state != null) {
        view.print(out, state, Instant.now());
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
