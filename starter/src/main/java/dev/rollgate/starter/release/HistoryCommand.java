package dev.rollgate.starter.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.cli.WorkerApi;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The audit trail of one release: every operator action, accepted or refused, and each change. */
@Command(
    name = "history",
    description =
        "Show a release's audit trail (from the worker): every operator action, accepted or"
            + " refused, and every change it made.")
public class HistoryCommand extends ReleaseCommand {
  @Option(
      names = "--limit",
      defaultValue = "50",
      description = "the latest this many entries (${DEFAULT-VALUE})")
  int limit;

  public HistoryCommand(Kinds kinds, Kind kind) {
    super(kinds, kind);
  }

  @Override
  public Integer call() {
    String workflowId = workflowId();
    JsonNode entries =
        new WorkerApi(connection.workerUrl)
            .get(
                "/api/audit?workflowId="
                    + WorkerApi.segment(workflowId)
                    + "&limit="
                    + Math.max(1, limit));
    if (console().json()) {
      console().printJson(entries);
      return 0;
    }
    if (entries.isEmpty()) {
      console().out().println("no audit entries for " + workflowId);
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode e : entries) {
      rows.add(
          List.of(
              e.path("at").asText(),
              e.path("actor").asText(),
              e.path("action").asText(),
              e.path("details").asText()));
    }
    console().table(List.of("AT", "ACTOR", "ACTION", "DETAILS"), rows);
    return 0;
  }
}
