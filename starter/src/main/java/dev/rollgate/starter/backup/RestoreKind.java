package dev.rollgate.starter.backup;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.RestoreWorkflow;

/** Restores, as registered with the CLI ({@code rollgate restore approve orders/orders}). */
public final class RestoreKind {
  public static final Kind KIND =
      new Kind(
          RestoreWorkflow.KIND,
          "Restores of backups (workflow ids restore/<database>/<target>); start one with"
              + " 'rollgate backup restore'.",
          "DATABASE/TARGET",
          RestoreCommand::new,
          new BackupStatusView(),
          BackupIds::targetProblem);

  private RestoreKind() {}
}
