package dev.rollgate.workflows.deploy;

import java.util.List;

/**
 * One stage's figures and verdict, stored for {@code rollgate deploy report}.
 *
 * @param deployment the workflow id ({@code deploy/<service>})
 * @param runKey the release's step key prefix (workflow id + first run id): one report per stage
 *     and deployment, written once under retries
 * @param stage the stage's name, e.g. {@code 25 %}, {@code smoke}, {@code load test}, {@code
 *     rollback}
 * @param canaryPercent the canary's traffic share during the stage
 * @param verdict {@code PROCEED}, {@code ROLLBACK} or {@code PAUSE}
 * @param analyses the stage's measurements
 * @param loadTest the Locust figures, when the stage is a load test
 * @param notes other lines (smoke checks, warm-up, rollback confirmation)
 */
public record StageReport(
    String deployment,
    String runKey,
    String service,
    String version,
    String stage,
    int canaryPercent,
    String verdict,
    List<StageAnalysis> analyses,
    LoadTestResult loadTest,
    List<String> notes,
    long atMillis) {}
