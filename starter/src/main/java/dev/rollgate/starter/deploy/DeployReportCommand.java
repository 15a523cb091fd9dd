package dev.rollgate.starter.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.WorkerApi;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.deploy.StageReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate deploy report SERVICE}: every stage's figures and verdict, from the worker. */
@Command(
    name = "report",
    description = {
      "Print a service's stage reports (PROCEED / ROLLBACK / PAUSE with the figures), newest",
      "deployment included; -o json prints them as stored."
    })
public class DeployReportCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "the service")
  String service;

  @Override
  public Integer call() {
    String problem = DeployRequest.serviceProblem(service);
    if (problem != null) {
      throw CliException.usage(problem);
    }
    JsonNode body =
        new WorkerApi(connection.workerUrl)
            .get("/api/deploy/reports?service=" + WorkerApi.segment(service));
    List<StageReport> reports = parse(body);
    Console console = Console.of(spec, connection);
    if (console.json()) {
      console.printJson(reports);
      return 0;
    }
    if (reports.isEmpty()) {
      console.out().println("no stage reports for " + service);
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (StageReport r : reports) {
      rows.add(
          List.of(
              r.version(),
              r.stage(),
              r.canaryPercent() + " %",
              r.verdict(),
              Instant.ofEpochMilli(r.atMillis()).toString(),
              figures(r)));
    }
    console.table(List.of("VERSION", "STAGE", "NEW", "VERDICT", "AT", "FIGURES"), rows);
    return 0;
  }

  static List<StageReport> parse(JsonNode body) {
    if (body == null || !body.isArray()) {
      throw new CliException("the worker's deploy reports are not a JSON list");
    }
    try {
      return Console.JSON.convertValue(body, new TypeReference<List<StageReport>>() {});
    } catch (IllegalArgumentException e) {
      throw new CliException("unreadable deploy reports from the worker: " + e.getMessage());
    }
  }

  /** The last measurement's metrics, the load test and the last note, in one cell. */
  static String figures(StageReport r) {
    List<String> parts = new ArrayList<>();
    if (r.analyses() != null && !r.analyses().isEmpty()) {
      StageAnalysis last = r.analyses().getLast();
      for (MetricResult m : last.results()) {
        parts.add(
            m.metric()
                + " "
                + DeployPrinter.number(m.canary())
                + " vs "
                + DeployPrinter.number(m.baseline())
                + " "
                + m.verdict());
      }
    }
    if (r.loadTest() != null) {
      parts.add("load: " + r.loadTest().detail());
    }
    if (r.notes() != null && !r.notes().isEmpty()) {
      parts.add(r.notes().getLast());
    }
    return String.join("; ", parts);
  }
}
