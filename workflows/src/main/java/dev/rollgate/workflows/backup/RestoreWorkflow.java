package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Restores a backup into a new database; over an existing one only with {@code replace} and an
 * approval (the kit's gate). A corrupted object is refused before anything is restored. Id {@code
 * restore/<database>/<target>}.
 */
@WorkflowInterface
public interface RestoreWorkflow extends ReleaseControls {
  String KIND = "restore";
  String TYPE = "Restore";

  @WorkflowMethod(name = TYPE)
  RestoreOutcome run(RestoreRequest request);

  /** How a restore ended; {@code result} null when nothing was restored. */
  record RestoreOutcome(
      dev.rollgate.workflows.release.Phase phase, String summary, RestoreResult result) {}
}
