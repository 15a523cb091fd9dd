package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Takes one backup of a registered database: preflight, streamed dump to S3, then retention. Ids
 * {@code backup/<database>/<suffix>} (see {@link BackupIds}); the backup's id is the workflow id.
 * Abort, cancellation or a failed dump discard the partial backup; a completed one is kept.
 */
@WorkflowInterface
public interface BackupWorkflow extends ReleaseControls {
  String KIND = "backup";
  String TYPE = "Backup";

  @WorkflowMethod(name = TYPE)
  BackupResult run(BackupRequest request);

  /** The completed backup, or null while it runs or when none was taken. */
  @QueryMethod(name = "backup")
  BackupInfo backup();
}
