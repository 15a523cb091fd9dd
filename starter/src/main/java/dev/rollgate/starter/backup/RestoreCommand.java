package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.RestoreRequest;
import dev.rollgate.workflows.backup.RestoreWorkflow;
import dev.rollgate.workflows.backup.RestoreWorkflow.RestoreOutcome;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.release.Phase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "restore",
    description = {
      "Restore a backup (the newest completed one unless --backup) into a new database (default"
          + " <database>_restored_<yyyyMMddHHmmss>). The object's SHA-256 is verified first.",
      "pause: holds the restore before it creates or drops any database; refused once pg_restore"
          + " runs.",
      "Restoring over an existing database needs --replace and an approval from someone else:",
      "  rollgate backup restore --database orders --to orders_copy --wait",
      "  rollgate backup restore --database orders --replace   # then: rollgate approve"
          + " restore/orders/orders --by bob"
    })
class RestoreCommand implements Callable<Integer> {
  private static final DateTimeFormatter SUFFIX =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Mixin BackupOptions.Database database;
  @Spec CommandSpec spec;

  @Option(names = "--backup", paramLabel = "ID", description = "the backup (default: the newest)")
  String backup;

  @Option(names = "--to", paramLabel = "NAME", description = "the database to restore into")
  String to;

  @Option(
      names = "--replace",
      description = "restore over an existing database (waits for an approval)")
  boolean replace;

  @Option(
      names = "--approvers",
      defaultValue = "1",
      description = "distinct approvals a --replace needs (${DEFAULT-VALUE})")
  int approvers;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Option(names = "--wait", description = "follow it to the end and print its result")
  boolean wait;

  @Override
  public Integer call() {
    String db = database.name();
    String target =
        to != null ? to : replace ? db : db + "_restored_" + SUFFIX.format(Instant.now());
    if (backup != null && !db.equals(BackupIds.database(backup))) {
      throw CliException.usage("backup '" + backup + "' is not a backup of " + db);
    }
    RestoreRequest request =
        new RestoreRequest(
            db, backup, target, replace, actor.by(), reason, new ApprovalPolicy(approvers, false));
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    Starts.requireCompletedBackup(connection, db, backup);
    String id = BackupIds.restore(db, target);
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      var stub =
          Starts.start(
              temporal,
              RestoreWorkflow.TYPE,
              id,
              RestoreWorkflow.KIND,
              db,
              "Restore of " + db + " into " + target + " by " + request.initiator(),
              true,
              request);
      if (!wait) {
        if (console.json()) {
          console.printJson(Map.of("workflowId", id));
        } else {
          console.out().println("started " + id);
        }
        return 0;
      }
      RestoreOutcome out =
          Starts.follow(
              temporal,
              stub,
              id,
              RestoreOutcome.class,
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
