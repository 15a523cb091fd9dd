package dev.rollgate.flags;

/**
 * One evaluation with its explanation ({@link FlagSnapshot#explain}): the answer, why, which rule
 * and which bucket. Explaining allocates this record; {@link FlagSnapshot#isEnabled} takes the same
 * path without allocating.
 *
 * @param flag the flag's name
 * @param version the flag's version evaluated; -1 for an unknown flag
 * @param on the answer (the caller's default for an unknown flag)
 * @param reason the check that decided
 * @param rule 1-based index of the first matching rule; 0 when the flag has no rules or the
 *     decision came before the rules
 * @param bucket the user's bucket, 0..9999, when the rollout decided; -1 otherwise
 * @param rolloutBasisPoints the flag's rollout, 0..10000; 0 for an unknown flag
 * @param prerequisite the prerequisite that failed, with {@link
 *     EvaluationReason#PREREQUISITE_FAILED}; null otherwise
 */
public record FlagEvaluation(
    String flag,
    long version,
    boolean on,
    EvaluationReason reason,
    int rule,
    int bucket,
    int rolloutBasisPoints,
    String prerequisite) {

  /** One line for people: {@code ON: rule 2 matched, bucket 1234 < 2500 (25 %)}. */
  public String explanation() {
    String answer = on ? "ON" : "OFF";
    return switch (reason) {
      case UNKNOWN_FLAG -> answer + ": unknown flag, the caller's default";
      case KILLED -> answer + ": the kill switch is on";
      case DISABLED -> answer + ": the flag is disabled";
      case PREREQUISITE_FAILED ->
          answer + ": prerequisite " + prerequisite + " did not give its required answer";
      case DENY_LIST -> answer + ": the user is on the deny list";
      case ALLOW_LIST -> answer + ": the user is on the allow list";
      case NO_RULE_MATCHED -> answer + ": no rule matched";
      case NO_STICKINESS_VALUE ->
          answer + ": the context has no value for the stickiness attribute";
      case ROLLOUT ->
          answer
              + ": "
              + (rule > 0 ? "rule " + rule + " matched, " : "")
              + "bucket "
              + bucket
              + (on ? " < " : " >= ")
              + rolloutBasisPoints
              + " ("
              + java.math.BigDecimal.valueOf(rolloutBasisPoints, 2)
                  .stripTrailingZeros()
                  .toPlainString()
              + " %)";
    };
  }
}
