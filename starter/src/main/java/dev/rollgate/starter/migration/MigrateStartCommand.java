package dev.rollgate.starter.migration;

import dev.rollgate.starter.backup.Starts;
import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.Durations;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.migration.MigrationRequest;
import dev.rollgate.workflows.migration.MigrationWorkflow;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate migrate start <plan-file> --database D}: starts migration/D/NAME. */
@Command(
    name = "start",
    description = {
      "Start a migration (workflow id migration/<database>/<plan name>): preflight, expand,"
          + " backfill, verify, switch (--soak, --approvals), contract. The plan is validated"
          + " completely before anything starts; the worker renders it for the server's version.",
      "Contract needs a backup of the database taken after expand and verified by a drill, or"
          + " --without-backup with a reason (audited). abort rolls back until contract starts.",
      "  rollgate migrate start plan.yaml --database orders --approvals 1 --soak 3d"
    })
class MigrateStartCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<plan-file>", description = "the plan, YAML or JSON")
  Path file;

  @Option(names = "--database", required = true, description = "the registered database")
  String database;

  @Option(
      names = "--approvals",
      defaultValue = "0",
      description = "approvals the switch needs before contract (default 0)")
  int approvals;

  @Option(names = "--soak", description = "hold the switch this long before contract, e.g. 3d")
  String soak;

  @Option(
      names = "--without-backup",
      paramLabel = "REASON",
      description = "contract without a verified backup newer than expand (audited)")
  String withoutBackup;

  MigrationRequest request() {
    MigrationPlan plan;
    try {
      plan = MigratePlanCommand.read(file);
    } catch (MigratePlanCommand.BadPlan e) {
      throw CliException.usage(e.getMessage());
    }
    List<String> problems = MigrationPlanner.validate(plan, MigrationPlanner.NOT_NULL_NOT_VALID);
    if (!problems.isEmpty()) {
      throw CliException.usage(file.getFileName() + ": " + String.join("; ", problems));
    }
    Duration soakFor = soak == null ? null : Durations.parse("--soak", soak);
    MigrationRequest request =
        MigrationRequest.of(database, actor.by(), plan, approvals, soakFor, withoutBackup);
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    return request;
  }

  @Override
  public Integer call() {
    MigrationRequest request = request();
    Starts.requireDatabase(connection, request.database());
    String id = MigrationRequest.workflowId(request.database(), request.name());
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      Starts.start(
          temporal,
          MigrationWorkflow.TYPE,
          id,
          MigrationWorkflow.KIND,
          request.database() + "/" + request.name(),
          "Migration " + request.name() + " of " + request.database() + " by " + actor.by(),
          true,
          request);
      if (console.json()) {
        console.printJson(Map.of("workflowId", id));
      } else {
        console
            .out()
            .println(
                "started "
                    + id
                    + " (rollgate migrate status "
                    + request.database()
                    + "/"
                    + request.name()
                    + " --watch)");
      }
      return 0;
    }
  }
}
