package dev.rollgate.starter;

import dev.rollgate.workflows.RollgateSearchAttributes;
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
    description = "List running Rollgate workflows with kind, target, phase and progress.")
public class ListCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(
      names = "--limit",
      defaultValue = "100",
      description = "at most this many (${DEFAULT-VALUE})")
  int limit;

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
        if (kind == null) {
          continue;
        }
        String progress = SearchAttributes.text(full, RollgateSearchAttributes.PROGRESS.getName());
        rows.add(
            new Row(
                full.getExecution().getWorkflowId(),
                kind,
                SearchAttributes.text(full, RollgateSearchAttributes.TARGET.getName()),
                SearchAttributes.text(full, RollgateSearchAttributes.PHASE.getName()),
                progress == null ? "" : trimPercent(progress) + " %",
                Instant.ofEpochSecond(full.getStartTime().getSeconds())));
      }
    }
    if (connection.output == Output.json) {
      RollgateCli.printJson(spec, rows);
      return 0;
    }
    var out = RollgateCli.out(spec);
    if (rows.isEmpty()) {
      out.println("no running Rollgate workflows");
      return 0;
    }
    String format = "%-36s  %-9s  %-24s  %-18s  %9s  %s%n";
    out.printf(format, "WORKFLOW ID", "KIND", "TARGET", "PHASE", "PROGRESS", "STARTED");
    for (Row r : rows) {
      out.printf(
          format, r.workflowId(), r.kind(), r.target(), r.phase(), r.progress(), r.started());
    }
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
      double d = Double.parseDouble(value);
      return d == Math.rint(d) ? Long.toString((long) d) : String.format("%.2f", d);
    } catch (NumberFormatException e) {
      return value;
    }
  }
}
