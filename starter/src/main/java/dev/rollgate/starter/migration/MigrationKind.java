package dev.rollgate.starter.migration;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.migration.MigrationRequest;
import dev.rollgate.workflows.migration.MigrationWorkflow;
import java.util.List;

/** Migrations, as registered with the CLI: {@code rollgate migrate plan|start|status|resize}. */
public final class MigrationKind {
  public static final Kind KIND =
      new Kind(
          MigrationWorkflow.KIND,
          "Expand-contract PostgreSQL migrations: plan, start, status, resize (workflow ids"
              + " migration/<database>/<name>; also 'rollgate migrate').",
          "DATABASE/NAME",
          MigrateStartCommand::new,
          new MigrationStatusView(),
          MigrationRequest::targetProblem,
          List.of(MigratePlanCommand::new, MigrateResizeCommand::new),
          List.of("migrate"));

  private MigrationKind() {}
}
