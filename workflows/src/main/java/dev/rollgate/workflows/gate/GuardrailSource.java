package dev.rollgate.workflows.gate;

import java.util.List;

/**
 * Where a {@link GuardrailGate} gets its readings when a kind measures in its own way (a
 * deployment's canary analysis, a load test, smoke checks) instead of the kit's PromQL thresholds
 * ({@link GuardrailActivities}). The gate keeps everything else: Argo-style tallies, breach policy,
 * inconclusive = pause, consecutive errors. Runs in workflow code: call activities only.
 */
public interface GuardrailSource {
  /**
   * One measurement: a reading per guardrail (or per metric the source knows; readings named after
   * no guardrail are judged with the gate's default settings). Never empty: no data is an
   * INCONCLUSIVE reading. A thrown {@code ActivityFailure} counts as an error reading.
   */
  List<GuardrailReading> check(List<Guardrail> guardrails);

  /** At start: fails with a typed, non-retryable failure when the source cannot measure. */
  void validate(List<Guardrail> guardrails);

  /**
   * Told before the gate applies its breach policy to a failed or inconclusive verdict (e.g. to
   * store a report); must not throw.
   */
  default void breached(Verdict verdict, BreachPolicy policy, String why) {}
}
