package dev.rollgate.workflows.gate;

/** Result of one guardrail check. No data is never a pass. */
public enum Verdict {
  PASS,
  FAIL,
  /** No data, or the metrics source could not be reached. */
  INCONCLUSIVE
}
