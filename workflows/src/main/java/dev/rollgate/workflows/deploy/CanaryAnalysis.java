package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.Analysis;
import java.time.Duration;
import java.util.List;

/**
 * How a stage's canary is judged against its baseline, over the Prometheus HTTP API.
 *
 * @param canarySide the canary's label value substituted for {@code {{side}}}
 * @param baselineSide the baseline's (stable side's) label value
 * @param backend substituted for {@code {{backend}}}
 * @param metrics the metrics compared (defaults: error ratio, p95, p99 from HAProxy's exporter and
 *     the service's histogram)
 * @param window the range each measurement looks back over (also {@code {{window}}})
 * @param step the range query's step: samples per group = window / step
 * @param minSamples the statistical comparison runs when each group has at least this many samples
 *     (default 50, as Kayenta wants); below it, thresholds only
 * @param confidence Mann-Whitney confidence (default 0.98: p below 0.02 is a difference)
 * @param allowedEffect the largest effect size tolerated (default 0.25)
 * @param mustHaveData no data for a metric is inconclusive (default true), never a pass
 * @param triggers rollback triggers checked at all times
 * @param settings Argo-style settings (interval, initial delay, count, limits, dry run)
 */
public record CanaryAnalysis(
    String canarySide,
    String baselineSide,
    String backend,
    List<CanaryMetric> metrics,
    Duration window,
    Duration step,
    int minSamples,
    double confidence,
    double allowedEffect,
    boolean mustHaveData,
    RollbackTriggers triggers,
    Analysis settings) {

  /** Null when well formed, else one line. */
  public String problem() {
    if (settings == null) {
      return "the analysis needs its settings (interval, count, limits)";
    }
    if (settings.problem() != null) {
      return "analysis: " + settings.problem();
    }
    if (!positive(window)) {
      return "the analysis window must be longer than zero";
    }
    if (!positive(step)) {
      return "the analysis step must be longer than zero";
    }
    if (minSamples < 1) {
      return "min samples must be at least 1";
    }
    if (!(confidence > 0 && confidence < 1)) {
      return "the confidence must be between 0 and 1 (e.g. 0.98)";
    }
    if (allowedEffect < 0) {
      return "the allowed effect size must not be negative";
    }
    if (metrics != null) {
      for (CanaryMetric m : metrics) {
        if (m.problem() != null) {
          return m.problem();
        }
      }
    }
    return triggers == null ? null : triggers.problem();
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isZero() && !d.isNegative();
  }
}
