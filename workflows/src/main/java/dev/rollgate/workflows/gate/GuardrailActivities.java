package dev.rollgate.workflows.gate;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** Reads guardrail metrics. Read-only, so naturally idempotent. */
@ActivityInterface
public interface GuardrailActivities {
  /**
   * Checks each guardrail once. Never fails on missing data or an unreachable source: those are
   * {@link Verdict#INCONCLUSIVE} readings.
   */
  @ActivityMethod(name = "CheckGuardrails")
  List<GuardrailReading> check(List<Guardrail> guardrails);

  /**
   * Verifies at start that the metrics source answers and every query parses. Fails with a
   * non-retryable {@code INVALID_INPUT} (bad PromQL) or {@code UNAVAILABLE} (unreachable).
   */
  @ActivityMethod(name = "ValidateGuardrails")
  void validate(List<Guardrail> guardrails);
}
