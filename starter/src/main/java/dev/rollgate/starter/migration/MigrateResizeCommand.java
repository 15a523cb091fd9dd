package dev.rollgate.starter.migration;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.Durations;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.migration.MigrationRequest;
import dev.rollgate.workflows.migration.MigrationWorkflow;
import dev.rollgate.workflows.migration.Resize;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate migrate resize DATABASE/NAME --batch-target 200ms}. */
@Command(
    name = "resize",
    description = {
      "Change the backfill's target batch duration (50ms..1s), from its next slice; the batch"
          + " size adapts to it. Audited; refused once the backfill is over.",
      "  rollgate migrate resize orders/amount_numeric --batch-target 200ms --reason 'p99 up'"
    })
class MigrateResizeCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATABASE/NAME", description = "the migration")
  String target;

  @Option(names = "--batch-target", required = true, description = "e.g. 200ms, 1s")
  String batchTarget;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Override
  public Integer call() {
    String problem = MigrationRequest.targetProblem(target);
    if (problem != null) {
      throw CliException.usage(problem);
    }
    long millis = Durations.parse("--batch-target", batchTarget).toMillis();
    problem = MigrationRequest.batchTargetProblem(millis);
    if (problem != null) {
      throw CliException.usage(problem);
    }
    String id = MigrationWorkflow.KIND + "/" + target;
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      WorkflowTargets.requireRunning(temporal, id);
      String answer;
      try {
        answer =
            temporal
                .client
                .newUntypedWorkflowStub(id)
                .update("Resize", String.class, new Resize(actor.by(), millis, reason));
      } catch (RuntimeException e) {
        throw WorkflowTargets.explain(temporal, id, e);
      }
      console.out().println(id + ": " + answer);
      return 0;
    }
  }
}
