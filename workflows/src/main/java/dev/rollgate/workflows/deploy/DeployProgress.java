package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.release.ReleaseState;
import java.util.List;

/**
 * What a deployment carries across continue-as-new: between stages, or in the middle of a hold (the
 * kit's state then holds the hold; the stage {@code next} has shifted already). Field names are
 * stable; fields added later are null in older payloads.
 *
 * @param next the next stage's index (the held stage's, in the middle of its hold)
 * @param split the split set last
 * @param committed the new version owns the traffic for good (blue-green after its rollback window)
 * @param stages the stages done so far
 * @param kit the release kit's state
 * @param applied stages shifted so far (null: {@code next})
 * @param report the stage report in the making (measurements, notes), or null
 * @param serverState the server-state finding already audited under policy never, or null
 */
public record DeployProgress(
    int next,
    TrafficSplit split,
    boolean committed,
    List<DeployStatus.StageView> stages,
    ReleaseState kit,
    Integer applied,
    ReportInProgress report,
    String serverState) {

  public DeployProgress(
      int next,
      TrafficSplit split,
      boolean committed,
      List<DeployStatus.StageView> stages,
      ReleaseState kit) {
    this(next, split, committed, stages, kit, null, null, null);
  }
}
