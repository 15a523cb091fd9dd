package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.common.converter.RawValue;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * An expand-contract PostgreSQL migration on the release kit ({@code migration/<database>/<name>}):
 * preflight, expand, backfill, verify, switch (approvals and/or a soak), contract. Until contract
 * starts, an abort, a failed step or a failed verify runs the planned rollback.
 */
@WorkflowInterface
public interface MigrationWorkflow extends ReleaseControls {
  String KIND = "migration";
  String TYPE = "Migration";

  @WorkflowMethod(name = TYPE)
  MigrationResult run(MigrationRequest request);

  /** Resizes the backfill's batches (a new target duration), from the next slice; audited. */
  @UpdateMethod(name = "Resize")
  String resize(Resize resize);

  /**
   * The same as a signal (Web UI "Send a Signal", {@code temporal workflow signal}); the kit checks
   * the raw payload, and refuses a malformed one or a refused resize with the reason (audited
   * {@code resize-refused}, kept in the gate's {@code rejected}).
   */
  @SignalMethod(
      name = "resize",
      description =
          "Resize the backfill's batches from the next slice. Input: {\"by\": \"you\","
              + " \"batchTargetMillis\": 200, \"reason\": \"why\"} (50..1000 ms); audited.")
  void resizeSignal(RawValue resize);

  @QueryMethod(name = "migration")
  MigrationStatus migration();
}
