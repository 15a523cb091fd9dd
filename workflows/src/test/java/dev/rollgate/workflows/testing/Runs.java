package dev.rollgate.workflows.testing;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.util.ArrayList;
import java.util.List;

/** Every run of a workflow id, first to last, fetched by following its continue-as-new chain. */
public final class Runs {
  private Runs() {}

  /** The histories of every run of the latest execution chain of {@code workflowId}. */
  public static List<WorkflowExecutionHistory> of(WorkflowClient client, String workflowId) {
    String first =
        client
            .fetchHistory(workflowId)
            .getEvents()
            .getFirst()
            .getWorkflowExecutionStartedEventAttributes()
            .getFirstExecutionRunId();
    List<WorkflowExecutionHistory> runs = new ArrayList<>();
    String runId = first;
    while (runId != null) {
      WorkflowExecutionHistory history = client.fetchHistory(workflowId, runId);
      runs.add(history);
      HistoryEvent last = history.getLastEvent();
      runId =
          last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
              ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
              : null;
    }
    return runs;
  }

  /** Workflow time from the first run's start to the last event of the last run. */
  public static long elapsedMillis(WorkflowClient client, String workflowId) {
    List<WorkflowExecutionHistory> runs = of(client, workflowId);
    return millis(runs.getLast().getLastEvent()) - millis(runs.getFirst().getEvents().getFirst());
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }

  /** The number of events of each run. */
  public static List<Integer> eventCounts(WorkflowClient client, String workflowId) {
    return of(client, workflowId).stream().map(h -> h.getEvents().size()).toList();
  }
}
