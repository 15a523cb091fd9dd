package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.SearchAttributes;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.release.Phase;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.filter.v1.StartTimeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    description = "List running releases of every kind: id, kind, target, phase, progress, start.")
public class ListCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(
      names = "--limit",
      defaultValue = "100",
      description = "at most this many (${DEFAULT-VALUE})")
  int limit;

  @Option(names = "--kind", description = "only this kind (e.g. rollout)")
  String onlyKind;

  /** One row. */
  public record Row(
      String workflowId,
      String kind,
      String target,
      String phase,
      String progress,
      Instant started) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      for (WorkflowExecutionInfo info : running(temporal)) {
        WorkflowExecutionInfo full = info;
        if (SearchAttributes.all(info).isEmpty()) {
          // the legacy listing of the Java test server carries no search attributes
          full =
              WorkflowTargets.describe(temporal, info.getExecution().getWorkflowId())
                  .getWorkflowExecutionInfo();
        }
        String kind = SearchAttributes.text(full, RollgateSearchAttributes.KIND.getName());
        if (kind == null || (onlyKind != null && !onlyKind.equals(kind))) {
          continue;
        }
        String progress = SearchAttributes.text(full, RollgateSearchAttributes.PROGRESS.getName());
        rows.add(
            new Row(
                full.getExecution().getWorkflowId(),
                kind,
                SearchAttributes.text(full, RollgateSearchAttributes.TARGET.getName()),
                phase(SearchAttributes.text(full, RollgateSearchAttributes.PHASE.getName())),
                progress == null ? "" : trimPercent(progress) + " %",
                Instant.ofEpochSecond(full.getStartTime().getSeconds())));
      }
    }
    Console console = Console.of(spec, connection);
    if (console.json()) {
      console.printJson(rows);
      return 0;
    }
    if (rows.isEmpty()) {
      console.out().println("no running releases");
      return 0;
    }
    List<List<String>> table = new ArrayList<>();
    for (Row r : rows) {
      table.add(
          List.of(
              r.workflowId(),
              r.kind(),
              r.target(),
              r.phase(),
              String.format("%8s", r.progress()),
              r.started().toString()));
    }
    console.table(List.of("WORKFLOW ID", "KIND", "TARGET", "PHASE", "PROGRESS", "STARTED"), table);
    return 0;
  }

  private List<WorkflowExecutionInfo> running(TemporalConnection temporal) {
    try {
      return temporal
          .blocking()
          .listWorkflowExecutions(
              ListWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(connection.namespace)
                  .setPageSize(limit)
                  .setQuery("ExecutionStatus = 'Running'")
                  .build())
          .getExecutionsList();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw new CliException("listing workflows failed: " + e.getStatus().getCode());
      }
    }
    return temporal
        .blocking()
        .listOpenWorkflowExecutions(
            ListOpenWorkflowExecutionsRequest.newBuilder()
                .setNamespace(connection.namespace)
                .setMaximumPageSize(limit)
                .setStartTimeFilter(
                    StartTimeFilter.newBuilder()
                        .setEarliestTime(com.google.protobuf.Timestamp.getDefaultInstance())
                        .setLatestTime(
                            com.google.protobuf.Timestamp.newBuilder()
                                .setSeconds(Instant.now().plusSeconds(3600).getEpochSecond())))
                .build())
        .getExecutionsList();
  }

  static String trimPercent(String value) {
    try {
      return Console.percent(Double.parseDouble(value));
    } catch (NumberFormatException e) {
      return value;
    }
  }

  /** The phase in today's vocabulary (releases started before the release kit wrote others). */
  static String phase(String value) {
    Phase p = Phase.parse(value);
    return p == null ? value : p.name();
  }
}
