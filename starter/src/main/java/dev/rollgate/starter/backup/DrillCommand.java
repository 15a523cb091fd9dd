package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.DrillRequest;
import dev.rollgate.workflows.backup.DrillWorkflow;
import dev.rollgate.workflows.backup.DrillWorkflow.DrillOutcome;
import dev.rollgate.workflows.release.Phase;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "drill",
    description = {
      "Run a restore drill now: restore the newest completed backup into a scratch database,"
          + " compare row counts per table, record the result, drop the scratch database.",
      "pause: holds the drill between its steps (a running restore finishes first; the scratch"
          + " database stays until resume or abort); refused while it drops the scratch database.",
      "Schedule drills with 'rollgate backup schedule create --kind drill'.",
      "  rollgate backup drill --database orders --wait"
    })
class DrillCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Mixin BackupOptions.Database database;
  @Spec CommandSpec spec;

  @Option(names = "--wait", description = "follow it to the end and print its result")
  boolean wait;

  @Override
  public Integer call() {
    DrillRequest request = new DrillRequest(database.name(), actor.by(), null);
    Starts.requireCompletedBackup(connection, request.database(), null);
    String id = BackupIds.manual(DrillWorkflow.KIND, request.database(), Instant.now());
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      var stub =
          Starts.start(
              temporal,
              DrillWorkflow.TYPE,
              id,
              DrillWorkflow.KIND,
              request.database(),
              "Restore drill of " + request.database() + " by " + request.initiator(),
              false,
              request);
      if (!wait) {
        if (console.json()) {
          console.printJson(Map.of("workflowId", id));
        } else {
          console.out().println("started " + id);
        }
        return 0;
      }
      DrillOutcome out =
          Starts.follow(
              temporal,
              stub,
              id,
              DrillOutcome.class,
              console.json() ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : console.out(),
              Starts.terminal());
      if (console.json()) {
        console.printJson(out);
      } else {
        console.out().println(id + ": " + out.phase() + " · " + out.summary());
      }
      if (out.phase() != Phase.COMPLETED) {
        throw new CliException(id + " ended " + out.phase() + ": " + out.summary());
      }
      return 0;
    }
  }
}
