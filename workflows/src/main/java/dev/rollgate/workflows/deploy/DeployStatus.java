package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.ReleaseStatus;
import java.time.Instant;
import java.util.List;

/**
 * Answer of the deployment's {@code status} query. Times are ISO-8601.
 *
 * @param stage index of the stage in progress (its gate, shift or hold); {@code totalStages} once
 *     every stage is done
 * @param split the split Rollgate set last (read back after a rollback)
 * @param next what the next step does, or null
 * @param nextAt when it is due, or null (paused, awaiting approval, not holding)
 * @param stages the stages' verdicts so far, oldest first
 * @param lastAnalysis the latest measurement's figures (canary analysis or rollback triggers)
 * @param retryFrom where {@code rollgate deploy retry} starts a new run if this one has failed
 * @param request the request (what a retry starts again)
 * @param release the kind-independent status: step, gate, details, outcome
 */
public record DeployStatus(
    String service,
    String version,
    String strategy,
    Phase phase,
    String router,
    int stage,
    int totalStages,
    TrafficSplit split,
    String next,
    Instant nextAt,
    List<StageView> stages,
    List<MetricResult> lastAnalysis,
    ResumeFrom retryFrom,
    DeployRequest request,
    ReleaseStatus release) {

  /**
   * One stage report as the status shows it.
   *
   * @param stage e.g. {@code 25 %}, {@code smoke}, {@code load test}, {@code rollback}
   * @param canaryPercent the new version's share during it
   * @param verdict PROCEED, ROLLBACK or PAUSE
   * @param detail one line with the deciding figures
   */
  public record StageView(
      String stage, int canaryPercent, String verdict, Instant at, String detail) {}
}
