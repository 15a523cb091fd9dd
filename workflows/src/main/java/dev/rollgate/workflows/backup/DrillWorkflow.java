package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A restore drill: restores the newest completed backup into a scratch database, compares row
 * counts per table with those counted at backup time, records the result (and the gauge {@code
 * rollgate_backup_last_verified_timestamp_seconds}), and always drops the scratch database. A drill
 * that finds a difference fails with {@code CORRUPTED}. Ids {@code drill/<database>/<suffix>}.
 */
@WorkflowInterface
public interface DrillWorkflow extends ReleaseControls {
  String KIND = "drill";
  String TYPE = "Drill";

  @WorkflowMethod(name = TYPE)
  DrillOutcome run(DrillRequest request);

  /** How a drill ended; {@code drill} null when it did not get to compare. */
  record DrillOutcome(Phase phase, String summary, DrillRecord drill) {}
}
