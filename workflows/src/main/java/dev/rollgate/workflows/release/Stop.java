package dev.rollgate.workflows.release;

/**
 * Thrown by the kit's waits when a release must stop (an accepted abort, a failed gate under a
 * rollback policy); caught by {@link Release#run}, which compensates and finishes. Kinds do not
 * catch it.
 */
public final class Stop extends RuntimeException {
  private final StopCause cause;

  public Stop(StopCause cause, String reason) {
    super(reason, null, false, false);
    this.cause = cause;
  }

  public StopCause stopCause() {
    return cause;
  }
}
