package dev.rollgate.workflows.rollout;

/** Where a rollout is. The terminal phases are COMPLETED, ROLLED_BACK and ABORTED. */
public enum RolloutPhase {
  STARTING,
  SCHEDULED,
  HOLDING,
  AWAITING_APPROVAL,
  CHECKING,
  APPLYING,
  PAUSED,
  COMPLETED,
  ROLLED_BACK,
  ABORTED
}
