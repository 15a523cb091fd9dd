package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.BackupResult;
import dev.rollgate.workflows.backup.BackupWorkflow;
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
    name = "run",
    description = {
      "Take a backup now: pg_dump streamed through compression into S3 (workflow id"
          + " backup/<database>/<yyyyMMddTHHmmssZ>). Optional retention runs after it succeeds.",
      "pause: a running dump finishes, retention waits until resume; refused while the dump is the"
          + " last step (no retention) or retention is deleting. abort stops the dump and discards"
          + " it.",
      "  rollgate backup run --database orders --wait",
      "  rollgate backup run --database orders --encryption aws:kms --kms-key alias/backups \\",
      "      --keep-last 14 --keep-days 30 --min-keep 3"
    })
class BackupRunCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Mixin BackupOptions.Database database;
  @Mixin BackupOptions.Dump dump;
  @Mixin BackupOptions.Retention retention;
  @Spec CommandSpec spec;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Option(
      names = "--wait",
      description = "follow it to the end: bytes and MB/s while dumping, then its summary")
  boolean wait;

  BackupRequest request() {
    BackupRequest request =
        new BackupRequest(
            database.name(),
            actor.by(),
            reason,
            dump.compression,
            dump.encryption,
            dump.kmsKey,
            retention.policy(),
            null,
            dump.timeout(),
            null);
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    return request;
  }

  @Override
  public Integer call() {
    BackupRequest request = request();
    Starts.requireDatabase(connection, request.database());
    String id = BackupIds.manual(BackupWorkflow.KIND, request.database(), Instant.now());
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      var stub =
          Starts.start(
              temporal,
              BackupWorkflow.TYPE,
              id,
              BackupWorkflow.KIND,
              request.database(),
              "Backup of " + request.database() + " by " + request.initiator(),
              false,
              request);
      if (!wait) {
        if (console.json()) {
          console.printJson(Map.of("workflowId", id));
        } else {
          console
              .out()
              .println("started " + id + " (rollgate backup status " + id.substring(7) + ")");
        }
        return 0;
      }
      if (!console.json()) {
        console.out().println("started " + id);
      }
      BackupResult result =
          Starts.follow(
              temporal,
              stub,
              id,
              BackupResult.class,
              console.json() ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : console.out(),
              Starts.terminal());
      if (console.json()) {
        console.printJson(result);
      } else {
        console.out().println(id + ": " + result.phase() + " · " + result.summary());
      }
      if (result.phase() != Phase.COMPLETED) {
        throw new CliException(id + " ended " + result.phase() + ": " + result.summary());
      }
      return 0;
    }
  }
}
