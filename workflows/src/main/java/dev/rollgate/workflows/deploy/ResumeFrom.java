package dev.rollgate.workflows.deploy;

/**
 * Where a retried deployment starts: the stage that failed, after restoring the split the stage
 * before it had.
 *
 * @param stage index of the stage to run again (its gate, shift and hold)
 * @param restore the split to set first (all stable when the first stage failed)
 * @param previousRunId the run that failed, for the audit log
 */
public record ResumeFrom(int stage, TrafficSplit restore, String previousRunId) {
  /** Null when it names one of {@code stages} stages and a split, else one line. */
  public String problem(int stages) {
    if (stage < 0 || stage >= stages) {
      return "retry stage " + stage + " is not a stage of this deployment";
    }
    if (restore == null || restore.problem() != null) {
      return "a retry needs the split to restore first";
    }
    return null;
  }
}
