package dev.rollgate.activities.deploy;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.CanaryMetric;
import dev.rollgate.workflows.deploy.CanaryMetrics;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.RollbackTriggers;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.gate.Verdict;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Canary against baseline over the Prometheus HTTP API, the way Kayenta judges it: per metric an
 * instant query for each side's value (over {@code window}) checked against the metric's ceiling,
 * and a range query for each side's samples (one per {@code step}, each over its own step so the
 * samples do not overlap; the step must span at least two scrapes) compared with a Mann-Whitney U
 * test and Cliff's delta once both sides have {@code minSamples}. A metric fails when the canary is
 * above its ceiling, or significantly (p below 1 - confidence) and materially (effect above the
 * allowed effect) higher than the baseline. No data is never a pass; an unreachable Prometheus is
 * an error result, never an exception.
 */
public class CanaryAnalyzer {
  private final PrometheusClient prometheus;
  private final Clock clock;

  public CanaryAnalyzer(PrometheusClient prometheus, Clock clock) {
    this.prometheus = prometheus;
    this.clock = clock;
  }

  /** Bad settings or PromQL: {@code INVALID_INPUT}; Prometheus unreachable: {@code UNAVAILABLE}. */
  public void validate(CanaryAnalysis a) {
    String problem = problem(a);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    for (CanaryMetric m : a.metrics()) {
      prometheus.requireValid(
          "canary metric '" + m.name() + "'",
          substitute(m.query(), a.canarySide(), a.backend(), a.window()));
    }
    for (Trigger t : triggers(a.metrics(), a.triggers(), a.window())) {
      prometheus.requireValid(
          "rollback trigger '" + t.name() + "'",
          substitute(t.query(), a.canarySide(), a.backend(), t.window()));
    }
  }

  /** Null when the settings make sense, else one line. */
  static String problem(CanaryAnalysis a) {
    if (a == null) {
      return "the canary analysis is missing";
    }
    if (blank(a.canarySide()) || blank(a.baselineSide()) || blank(a.backend())) {
      return "the canary analysis needs a canary side, a baseline side and a backend";
    }
    if (a.canarySide().equals(a.baselineSide())) {
      return "the canary and the baseline are the same side '" + a.canarySide() + "'";
    }
    if (a.metrics() == null || a.metrics().isEmpty()) {
      return "the canary analysis has no metrics";
    }
    Set<String> names = new HashSet<>();
    for (CanaryMetric m : a.metrics()) {
      if (m == null || blank(m.name()) || blank(m.query())) {
        return "every canary metric needs a name and a query";
      }
      if (!names.add(m.name())) {
        return "canary metric '" + m.name() + "' is listed twice";
      }
    }
    if (a.window() == null || a.window().compareTo(Duration.ofSeconds(1)) < 0) {
      return "the analysis window must be at least 1s";
    }
    if (a.step() == null || a.step().compareTo(Duration.ofSeconds(1)) < 0) {
      return "the analysis step must be at least 1s";
    }
    if (a.step().compareTo(a.window()) > 0) {
      return "the analysis step (" + a.step() + ") is longer than its window (" + a.window() + ")";
    }
    if (a.minSamples() < 2) {
      return "minSamples must be at least 2";
    }
    if (!(a.confidence() > 0 && a.confidence() < 1)) {
      return "confidence must be between 0 and 1, e.g. 0.98";
    }
    if (!(a.allowedEffect() >= 0 && a.allowedEffect() < 1)) {
      return "allowedEffect must be between 0 and 1, e.g. 0.25";
    }
    RollbackTriggers t = a.triggers();
    if (t == null
        || !(t.maxErrorRatio() >= 0)
        || !(t.maxP95Seconds() > 0)
        || t.max5xx() < 1
        || t.within5xx() == null
        || t.within5xx().compareTo(Duration.ofSeconds(1)) < 0) {
      return "rollback triggers need an error ratio of 0 or more, a p95 above 0, at least one 5xx"
          + " and a 5xx window of at least 1s";
    }
    return null;
  }

  /** One measurement of every metric, canary against baseline. */
  public StageAnalysis analyze(CanaryAnalysis a) {
    return measureAll(
        a.metrics(),
        (m, reason) -> error(m.name(), m.critical(), reason),
        (m, at) -> judge(a, m, side(a, m, a.canarySide(), at), side(a, m, a.baselineSide(), at)));
  }

  /** The rollback triggers for the canary alone, each critical. */
  public StageAnalysis triggers(CanaryAnalysis a) {
    return measureAll(
        triggers(a.metrics(), a.triggers(), a.window()),
        (t, reason) -> error(t.name(), true, reason),
        (t, at) ->
            judgeTrigger(
                t,
                prometheus.instant(
                    substitute(t.query(), a.canarySide(), a.backend(), t.window()), at),
                a.mustHaveData()));
  }

  private interface Measurement<T> {
    MetricResult measure(T item, Instant at) throws IOException, InterruptedException;
  }

  /**
   * Measures each item at the clock's now; once Prometheus cannot be asked, the rest are error
   * results with the same reason (no waiting on a dead connection once per metric).
   */
  private <T> StageAnalysis measureAll(
      List<T> items,
      java.util.function.BiFunction<T, String, MetricResult> onError,
      Measurement<T> measurement) {
    long now = clock.millis();
    Instant at = Instant.ofEpochMilli(now);
    List<MetricResult> results = new ArrayList<>();
    String unreachable = null;
    for (T item : items) {
      if (unreachable == null) {
        try {
          results.add(measurement.measure(item, at));
          continue;
        } catch (IOException e) {
          unreachable = "Prometheus unreachable: " + FailureType.rootMessage(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          unreachable = "interrupted while asking Prometheus";
        }
      }
      results.add(onError.apply(item, unreachable));
    }
    return new StageAnalysis(results, overall(results), now);
  }

  /** Any failure fails (a critical one always does); else any inconclusive one; else a pass. */
  static Verdict overall(List<MetricResult> results) {
    if (results.isEmpty()) {
      return Verdict.INCONCLUSIVE;
    }
    if (results.stream().anyMatch(r -> r.verdict() == Verdict.FAIL)) {
      return Verdict.FAIL;
    }
    if (results.stream().anyMatch(r -> r.verdict() == Verdict.INCONCLUSIVE)) {
      return Verdict.INCONCLUSIVE;
    }
    return Verdict.PASS;
  }

  /** {@code {{side}}}, {@code {{backend}}} and {@code {{window}}} filled in. */
  static String substitute(String query, String side, String backend, Duration window) {
    return query
        .replace("{{side}}", side)
        .replace("{{backend}}", backend)
        .replace("{{window}}", promDuration(window));
  }

  /** A PromQL duration: {@code 1h}, {@code 5m}, {@code 90s}, {@code 1500ms}. */
  static String promDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }

  /** One side's value (null: no data) and samples (finite values only), or a query error. */
  record Side(Double value, double[] samples, String error) {}

  private Side side(CanaryAnalysis a, CanaryMetric m, String side, Instant at)
      throws IOException, InterruptedException {
    PrometheusClient.Answer answer =
        prometheus.instant(substitute(m.query(), side, a.backend(), a.window()), at);
    if (answer.error() != null) {
      return new Side(null, new double[0], answer.error());
    }
    PrometheusClient.Samples samples =
        prometheus.range(
            substitute(m.query(), side, a.backend(), a.step()), at.minus(a.window()), at, a.step());
    if (samples.error() != null) {
      return new Side(null, new double[0], samples.error());
    }
    Double value =
        answer.value() == null || !Double.isFinite(answer.value()) ? null : answer.value();
    double[] finite =
        samples.values().stream()
            .filter(Double::isFinite)
            .mapToDouble(Double::doubleValue)
            .toArray();
    return new Side(value, finite, null);
  }

  static MetricResult judge(CanaryAnalysis a, CanaryMetric m, Side canary, Side baseline) {
    if (canary.error() != null || baseline.error() != null) {
      String err = canary.error() != null ? canary.error() : baseline.error();
      return error(m.name(), m.critical(), "query error: " + err);
    }
    Double c = canary.value();
    Double b = baseline.value();
    int n1 = canary.samples().length;
    int n2 = baseline.samples().length;
    if (c == null) {
      return new MetricResult(
          m.name(),
          null,
          b,
          n1,
          n2,
          null,
          null,
          a.mustHaveData() ? Verdict.INCONCLUSIVE : Verdict.PASS,
          m.critical(),
          false,
          "no data for canary" + (a.mustHaveData() ? "" : " (ignored: mustHaveData is off)"));
    }
    List<String> parts = new ArrayList<>();
    boolean failed = false;
    if (m.maxValue() != null && c > m.maxValue()) {
      failed = true;
      parts.add("canary " + num(c) + " > max " + num(m.maxValue()));
    } else {
      parts.add("canary " + num(c) + (m.maxValue() == null ? "" : " <= max " + num(m.maxValue())));
    }
    parts.add(b == null ? "no data for baseline" : "baseline " + num(b));
    Double p = null;
    Double effect = null;
    if (n1 >= a.minSamples() && n2 >= a.minSamples()) {
      CanaryStatistics.Comparison cmp =
          CanaryStatistics.compare(canary.samples(), baseline.samples());
      p = cmp.pValue();
      effect = cmp.effect();
      boolean worse = p < 1 - a.confidence() && effect > a.allowedEffect();
      failed |= worse;
      parts.add(
          "p="
              + num(p)
              + " effect "
              + num(effect)
              + (worse
                  ? " > " + num(a.allowedEffect()) + ": canary worse"
                  : p < 1 - a.confidence() && effect < -a.allowedEffect()
                      ? ": canary better"
                      : ": no material difference"));
    } else {
      parts.add("samples " + n1 + "/" + n2 + " < " + a.minSamples() + ": thresholds only");
    }
    Verdict verdict;
    if (failed) {
      verdict = Verdict.FAIL;
    } else if (b == null && m.maxValue() == null && a.mustHaveData()) {
      verdict = Verdict.INCONCLUSIVE; // nothing to judge the canary against
    } else {
      verdict = Verdict.PASS;
    }
    return new MetricResult(
        m.name(), c, b, n1, n2, p, effect, verdict, m.critical(), false, String.join("; ", parts));
  }

  /** A rollback trigger: a canary-only query, its window, and its limit. */
  record Trigger(String name, String query, Duration window, double limit, boolean atLeast) {}

  /** Error ratio and p95 use the analysis' own metrics of those names when it has them. */
  static List<Trigger> triggers(List<CanaryMetric> metrics, RollbackTriggers t, Duration window) {
    String errorRatio = CanaryMetrics.ERROR_RATIO;
    String p95 = CanaryMetrics.responseTimeQuantile(0.95);
    for (CanaryMetric m : metrics) {
      if (m.name().equals("error_ratio")) {
        errorRatio = m.query();
      } else if (m.name().equals("p95")) {
        p95 = m.query();
      }
    }
    return List.of(
        new Trigger("error_ratio", errorRatio, window, t.maxErrorRatio(), false),
        new Trigger("p95", p95, window, t.maxP95Seconds(), false),
        new Trigger("5xx", CanaryMetrics.FIVE_XX_COUNT, t.within5xx(), t.max5xx(), true));
  }

  static MetricResult judgeTrigger(
      Trigger t, PrometheusClient.Answer answer, boolean mustHaveData) {
    if (answer.error() != null) {
      return error(t.name(), true, "query error: " + answer.error());
    }
    Double v = answer.value();
    if (v == null || !Double.isFinite(v)) {
      return new MetricResult(
          t.name(),
          null,
          null,
          0,
          0,
          null,
          null,
          mustHaveData ? Verdict.INCONCLUSIVE : Verdict.PASS,
          true,
          false,
          "no data for canary");
    }
    boolean breached = t.atLeast() ? v >= t.limit() : v > t.limit();
    String within = t.atLeast() ? " within " + promDuration(t.window()) : "";
    String detail =
        "canary "
            + num(v)
            + within
            + (breached ? (t.atLeast() ? " >= " : " > ") : (t.atLeast() ? " < " : " <= "))
            + (t.atLeast() ? "" : "max ")
            + num(t.limit());
    return new MetricResult(
        t.name(),
        v,
        null,
        0,
        0,
        null,
        null,
        breached ? Verdict.FAIL : Verdict.PASS,
        true,
        false,
        detail);
  }

  private static MetricResult error(String metric, boolean critical, String detail) {
    return new MetricResult(
        metric, null, null, 0, 0, null, null, Verdict.INCONCLUSIVE, critical, true, detail);
  }

  private static String num(double v) {
    return PrometheusClient.number(v);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
