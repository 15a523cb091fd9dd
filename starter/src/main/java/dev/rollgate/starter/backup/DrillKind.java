package dev.rollgate.starter.backup;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.DrillWorkflow;

/** Restore drills, as registered with the CLI. */
public final class DrillKind {
  public static final Kind KIND =
      new Kind(
          DrillWorkflow.KIND,
          "Restore drills (workflow ids drill/<database>/<time>); start one with"
              + " 'rollgate backup drill'.",
          "DATABASE/SUFFIX",
          DrillCommand::new,
          new BackupStatusView(),
          BackupIds::targetProblem);

  private DrillKind() {}
}
