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
    Analysis settings) {}
