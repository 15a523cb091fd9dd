package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.release.Phase;

/**
 * What a deployment returns when it ends without failing.
 *
 * @param phase COMPLETED, ROLLED_BACK or ABORTED
 * @param split the traffic split it left (read back from the router after a rollback)
 * @param summary one sentence for people
 */
public record DeployResult(Phase phase, TrafficSplit split, String summary) {}
