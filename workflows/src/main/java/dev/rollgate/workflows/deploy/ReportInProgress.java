package dev.rollgate.workflows.deploy;

import java.util.List;

/**
 * A deployment's stage report in the making, carried when it continues as new in the middle of a
 * hold. Field names are stable.
 *
 * @param measured the analyses measured since the last report (the last 50)
 * @param notes lines for the next report (warm-up, breaches)
 * @param lastAnalysis the latest analysis's results, shown in the status
 * @param lastLoadTest the load test's result for the next report, or null
 * @param breaches how many breach reports this deployment saved
 */
public record ReportInProgress(
    List<StageAnalysis> measured,
    List<String> notes,
    List<MetricResult> lastAnalysis,
    LoadTestResult lastLoadTest,
    int breaches) {}
