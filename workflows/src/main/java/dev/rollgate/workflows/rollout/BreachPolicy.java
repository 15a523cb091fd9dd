package dev.rollgate.workflows.rollout;

/** What a rollout does when a guardrail fails. Inconclusive readings always pause. */
public enum BreachPolicy {
  /** Freeze at the current percentage until an operator resumes or aborts. */
  PAUSE,
  /** Set the flag back to 0 % and end the rollout. */
  ROLLBACK
}
