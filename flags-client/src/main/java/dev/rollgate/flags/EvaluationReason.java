package dev.rollgate.flags;

/**
 * Why a flag evaluated as it did ({@link FlagEvaluation#reason()}), in the order the checks run;
 * the first that decides is the reason.
 */
public enum EvaluationReason {
  /** The snapshot does not hold the flag: the caller's default. */
  UNKNOWN_FLAG,
  /** The kill switch is on: off for everyone. */
  KILLED,
  /** The master switch is off: off for everyone. */
  DISABLED,
  /**
   * A prerequisite ({@link FlagEvaluation#prerequisite()}) is unknown, killed, disabled, or did not
   * give its required answer for this context: off (LaunchDarkly's PREREQUISITE_FAILED).
   */
  PREREQUISITE_FAILED,
  /** The user id is in {@code denyUsers}: off. */
  DENY_LIST,
  /** The user id is in {@code allowUsers}: on. */
  ALLOW_LIST,
  /** The flag has rules and none matched: off. */
  NO_RULE_MATCHED,
  /** The stickiness attribute is missing from the context, so there is nothing to hash: off. */
  NO_STICKINESS_VALUE,
  /**
   * The bucket decided: on when {@link FlagEvaluation#bucket()} is below the rollout ({@link
   * FlagEvaluation#rule()} names the rule that made the user eligible, 0 when the flag has none).
   */
  ROLLOUT
}
