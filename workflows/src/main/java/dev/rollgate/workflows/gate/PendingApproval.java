package dev.rollgate.workflows.gate;

import java.util.List;

/** The approval gate the workflow is waiting on, with the approvals received so far. */
public record PendingApproval(
    String gate, int required, boolean initiatorMayApprove, List<RecordedApproval> received) {}
