package dev.rollgate.workflows.gate;

/** What a release does when a guardrail fails. Inconclusive readings always pause. */
public enum BreachPolicy {
  /** Freeze where it is until an operator resumes or aborts. */
  PAUSE,
  /** Undo the release's changes (the kind's compensation) and end ROLLED_BACK. */
  ROLLBACK,
  /** Record the failure and go on (for changes the old version cannot survive). */
  NEVER
}
