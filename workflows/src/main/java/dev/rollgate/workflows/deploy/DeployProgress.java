package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.release.ReleaseState;
import java.util.List;

/**
 * What a deployment carries across continue-as-new (taken between stages).
 *
 * @param next the next stage's index
 * @param split the split set last
 * @param committed the new version owns the traffic for good (blue-green after its rollback window)
 * @param stages the stages done so far
 * @param kit the release kit's state
 */
public record DeployProgress(
    int next,
    TrafficSplit split,
    boolean committed,
    List<DeployStatus.StageView> stages,
    ReleaseState kit) {}
