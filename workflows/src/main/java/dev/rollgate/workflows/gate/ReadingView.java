package dev.rollgate.workflows.gate;

import java.time.Instant;

/** A {@link GuardrailReading} as queries return it, with an ISO-8601 time. */
public record ReadingView(
    String guardrail, Verdict verdict, Double value, String detail, Instant at, boolean error) {
  public static ReadingView of(GuardrailReading r) {
    return new ReadingView(
        r.guardrail(),
        r.verdict(),
        r.value(),
        r.detail(),
        r.atMillis() > 0 ? Instant.ofEpochMilli(r.atMillis()) : null,
        r.error());
  }
}
