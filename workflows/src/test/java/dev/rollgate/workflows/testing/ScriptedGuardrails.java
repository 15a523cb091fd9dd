package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.GuardrailActivities;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.Verdict;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Guardrail readings chosen by the test: a fixed value per guardrail, or no data. */
public final class ScriptedGuardrails implements GuardrailActivities {
  public final AtomicReference<Double> value = new AtomicReference<>(0.001);
  public final AtomicInteger checks = new AtomicInteger();

  /** Values read first, one per check, before {@link #value} applies. */
  public final Queue<Double> script = new ConcurrentLinkedQueue<>();

  /** When set, the metrics source is "unreachable": every reading is an error with this text. */
  public final AtomicReference<String> error = new AtomicReference<>();

  @Override
  public List<GuardrailReading> check(List<Guardrail> guardrails) {
    checks.incrementAndGet();
    Double scripted = script.poll();
    Double v = scripted != null ? scripted : value.get();
    String failure = error.get();
    return guardrails.stream()
        .map(
            g -> {
              if (failure != null) {
                return new GuardrailReading(g.name(), Verdict.INCONCLUSIVE, null, failure, 0, true);
              }
              if (v == null) {
                return new GuardrailReading(g.name(), Verdict.INCONCLUSIVE, null, "no data", 0);
              }
              boolean ok = g.comparison().holds(v, g.threshold());
              return new GuardrailReading(
                  g.name(), ok ? Verdict.PASS : Verdict.FAIL, v, v + " vs " + g.threshold(), 0);
            })
        .toList();
  }

  @Override
  public void validate(List<Guardrail> guardrails) {}
}
