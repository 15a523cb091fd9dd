package dev.rollgate.starter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.release.Kinds;
import dev.rollgate.starter.release.Views;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description = {
      "Without an argument: check Temporal (reachable, namespace, what the server supports) and"
          + " the worker's health (PostgreSQL, Redis, S3, Temporal); exit 1 when anything is"
          + " down.",
      "With a workflow id: show that release's status (as 'rollgate KIND status TARGET')."
    })
class StatusCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "WORKFLOW_ID",
      description = "a release, e.g. rollout/new_checkout")
  String workflowId;

  private final Kinds kinds;

  StatusCommand(Kinds kinds) {
    this.kinds = kinds;
  }

  /** The whole report, also the JSON output. */
  public record Report(
      String temporalAddress,
      String namespace,
      String serverVersion,
      boolean visibilityQueries,
      boolean schedules,
      String workerUrl,
      String workerStatus,
      Map<String, String> workerComponents) {}

  @Override
  public Integer call() {
    Console console = Console.of(spec, connection);
    if (workflowId != null) {
      Views.show(connection, console, kinds.viewFor(workflowId), workflowId, null);
      return 0;
    }
    Report report;
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      boolean visibility =
          supported(
              () ->
                  temporal
                      .blocking()
                      .countWorkflowExecutions(
                          CountWorkflowExecutionsRequest.newBuilder()
                              .setNamespace(connection.namespace)
                              .build()));
      boolean schedules =
          supported(
              () ->
                  temporal
                      .blocking()
                      .listSchedules(
                          ListSchedulesRequest.newBuilder()
                              .setNamespace(connection.namespace)
                              .setMaximumPageSize(1)
                              .build()));
      Map<String, String> components = new LinkedHashMap<>();
      String workerStatus = workerHealth(components);
      report =
          new Report(
              connection.address,
              connection.namespace,
              temporal.systemInfo.getServerVersion().isEmpty()
                  ? "(not reported)"
                  : temporal.systemInfo.getServerVersion(),
              visibility,
              schedules,
              connection.workerUrl,
              workerStatus,
              components);
    }
    if (console.json()) {
      console.printJson(report);
    } else {
      var out = console.out();
      out.printf(
          "Temporal   %s  reachable, namespace %s, server %s%n",
          report.temporalAddress(), report.namespace(), report.serverVersion());
      out.printf(
          "  visibility queries  %s%n",
          report.visibilityQueries()
              ? "yes"
              : "no (Java test server: rollgate list uses the legacy listing)");
      out.printf("  schedules           %s%n", report.schedules() ? "yes" : "no");
      out.printf("Worker     %s  %s%n", report.workerUrl(), report.workerStatus());
      report
          .workerComponents()
          .forEach((name, status) -> out.printf("  %-18s  %s%n", name, status));
    }
    if (!"UP".equals(report.workerStatus())) {
      throw new CliException(
          "worker at "
              + report.workerUrl()
              + " is "
              + report.workerStatus()
              + downComponents(report.workerComponents()));
    }
    return 0;
  }

  private static String downComponents(Map<String, String> components) {
    StringBuilder sb = new StringBuilder();
    components.forEach(
        (name, status) -> {
          if (!"UP".equals(status)) {
            sb.append(sb.isEmpty() ? ": " : ", ").append(name).append(' ').append(status);
          }
        });
    return sb.toString();
  }

  private String workerHealth(Map<String, String> components) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(connection.workerUrl + "/actuator/health"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = Console.JSON.readTree(response.body());
      body.path("components")
          .properties()
          .forEach(e -> components.put(e.getKey(), e.getValue().path("status").asText()));
      return body.path("status").asText("UNKNOWN");
    } catch (java.io.IOException e) {
      return "UNREACHABLE";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "UNREACHABLE";
    }
  }

  private static boolean supported(Runnable call) {
    try {
      call.run();
      return true;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() != Status.Code.UNIMPLEMENTED;
    }
  }
}
