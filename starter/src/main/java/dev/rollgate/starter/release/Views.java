package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shows a release's status through its kind's view. */
public final class Views {
  private Views() {}

  /**
   * @param watch refresh interval until the release ends, or null to print once
   */
  public static void show(
      ConnectionOptions connection,
      Console console,
      Kind.StatusView view,
      String workflowId,
      Duration watch) {
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      var described = WorkflowTargets.describe(temporal, workflowId);
      String outside = WorkflowTargets.endedOutsideRollgate(temporal, workflowId, described);
      if (outside != null) {
        if (console.json()) {
          // "phase" as in every kind's status, so scripts reading it see how the run ended
          Map<String, String> json = new LinkedHashMap<>();
          json.put("workflowId", workflowId);
          json.put(
              "phase",
              WorkflowTargets.statusName(described.getWorkflowExecutionInfo().getStatus()));
          json.put("message", outside);
          console.printJson(json);
        } else {
          console.out().println(outside);
        }
        return;
      }
      while (true) {
        Object status = query(temporal, view, workflowId);
        if (console.json()) {
          console.printJson(status);
        } else {
          view.print(console.out(), status, Instant.now());
        }
        console.out().flush();
        if (watch == null || view.ended(status)) {
          return;
        }
        sleep(watch);
        if (!console.json()) {
          console.out().println();
        }
      }
    }
  }

  public static Object query(TemporalConnection temporal, Kind.StatusView view, String workflowId) {
    try {
      return view.query(temporal, workflowId);
    } catch (RuntimeException e) {
      throw WorkflowTargets.explain(temporal, workflowId, e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }
}
