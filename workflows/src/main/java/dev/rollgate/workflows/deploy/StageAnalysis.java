package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.Verdict;
import java.util.List;

/**
 * One measurement of a stage (or of the rollback triggers): every metric's figures and the overall
 * verdict (a failed critical metric, or any failed metric, fails; any inconclusive one without a
 * failure is inconclusive).
 */
public record StageAnalysis(List<MetricResult> results, Verdict verdict, long atMillis) {}
