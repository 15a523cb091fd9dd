package dev.rollgate.starter.backup;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupWorkflow;
import java.util.List;

/** Backups, as registered with the CLI: {@code rollgate backup run|list|show|...}. */
public final class BackupKind {
  public static final Kind KIND =
      new Kind(
          BackupWorkflow.KIND,
          "PostgreSQL backups to S3: run, list, show, restore, drill, retention, schedules"
              + " (workflow ids backup/<database>/<time>).",
          "DATABASE/SUFFIX",
          BackupRunCommand::new,
          new BackupStatusView(),
          BackupIds::targetProblem,
          List.of(
              BackupRunCommand::new,
              BackupListCommand::new,
              BackupShowCommand::new,
              RestoreCommand::new,
              DrillCommand::new,
              RetentionCommand::new,
              ScheduleCommands::group));

  private BackupKind() {}
}
