package dev.rollgate.workflows.gate;

/**
 * One guardrail check.
 *
 * @param guardrail the guardrail's name
 * @param verdict pass, fail, or inconclusive (no data / unreachable)
 * @param value the reading, or null when there was none
 * @param detail a short explanation, e.g. {@code 0.05 >= 0.01} or {@code no data}
 * @param atMillis when it was read
 * @param error the metrics source could not be asked (unreachable, HTTP error): counted against
 *     {@link Analysis#consecutiveErrorLimit()}, unlike an answer without data
 */
public record GuardrailReading(
    String guardrail, Verdict verdict, Double value, String detail, long atMillis, boolean error) {

  public GuardrailReading(
      String guardrail, Verdict verdict, Double value, String detail, long atMillis) {
    this(guardrail, verdict, value, detail, atMillis, false);
  }
}
