package dev.rollgate.workflows.release;

/** Why a release stops before its end; each ends in its own terminal phase. */
public enum StopCause {
  /** An operator aborted it: the kind's kill switch. */
  ABORT(Phase.ABORTED),
  /** A gate failed under a rollback policy. */
  ROLLBACK(Phase.ROLLED_BACK),
  /** Temporal cancellation (Web UI "Request Cancellation", {@code temporal workflow cancel}). */
  CANCEL(Phase.CANCELLED),
  /** An activity or the kind failed. */
  FAILURE(Phase.FAILED);

  private final Phase ends;

  StopCause(Phase ends) {
    this.ends = ends;
  }

  public Phase ends() {
    return ends;
  }
}
