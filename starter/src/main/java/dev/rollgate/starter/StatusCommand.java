package dev.rollgate.starter;

import com.fasterxml.jackson.databind.JsonNode;
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
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description =
        "Check Temporal (reachable, namespace, what the server supports) and the worker's health"
            + " (PostgreSQL, Redis, S3, Temporal). Exit 1 when anything is down.")
public class StatusCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

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
    if (connection.output == Output.json) {
      RollgateCli.printJson(spec, report);
    } else {
      var out = RollgateCli.out(spec);
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
      JsonNode body = RollgateCli.JSON.readTree(response.body());
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
