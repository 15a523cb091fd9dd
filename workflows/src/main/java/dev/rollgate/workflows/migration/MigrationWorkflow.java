package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.QueryMethod;
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

  @QueryMethod(name = "migration")
  MigrationStatus migration();
}
