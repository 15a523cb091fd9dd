package dev.rollgate.workflows;

import io.temporal.common.SearchAttributeKey;

/**
 * Rollgate's search attributes, registered on the Temporal namespace by the dev stack (and by
 * operators on a real cluster, see README). They make Rollgate workflows filterable in the Web UI
 * and in {@code rollgate list}.
 */
public final class RollgateSearchAttributes {
  /** rollout, deploy, migration or backup. */
  public static final SearchAttributeKey<String> KIND =
      SearchAttributeKey.forKeyword("RollgateKind");

  /** What the workflow acts on: a flag, a service, a database. */
  public static final SearchAttributeKey<String> TARGET =
      SearchAttributeKey.forKeyword("RollgateTarget");

  /** The current phase, e.g. HOLDING, PAUSED, AWAITING_APPROVAL. */
  public static final SearchAttributeKey<String> PHASE =
      SearchAttributeKey.forKeyword("RollgatePhase");

  /** Progress of the process, 0..100 (for a rollout: the current percentage). */
  public static final SearchAttributeKey<Double> PROGRESS =
      SearchAttributeKey.forDouble("RollgateProgress");

  private RollgateSearchAttributes() {}
}
