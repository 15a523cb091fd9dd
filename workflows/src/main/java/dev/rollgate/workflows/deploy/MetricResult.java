package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.Verdict;

/**
 * One metric of one measurement: the figures and the verdict.
 *
 * @param canary the canary's value (null: no data)
 * @param baseline the baseline's value (null: no data)
 * @param canarySamples samples in the canary's group (0 without a range query)
 * @param baselineSamples samples in the baseline's group
 * @param pValue Mann-Whitney p-value, null when the test did not run (too few samples)
 * @param effectSize effect size (rank-biserial or Cliff's delta), null when the test did not run
 * @param error the metrics source could not be asked (counted against the consecutive-error limit)
 * @param detail one line with the numbers, e.g. {@code canary 0.031 > max 0.02}
 */
public record MetricResult(
    String metric,
    Double canary,
    Double baseline,
    int canarySamples,
    int baselineSamples,
    Double pValue,
    Double effectSize,
    Verdict verdict,
    boolean critical,
    boolean error,
    String detail) {}
