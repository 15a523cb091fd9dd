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
 * @param variant on a multivariate flag, the variant served; null for a boolean flag
 * @param variantValue the served variant's value (the snapshot's own: do not modify it); null
 *     without a variant
 * @param variantSource how the variant was chosen: {@code off} (the flag's off variant), {@code
 *     rule} (the matching rule names it), {@code weight} (the weighted allocation), {@code default}
 *     (on, but no stickiness value to allocate by); null for a boolean flag
 * @param variantBucket with {@code weight}, the user's variant bucket (0..9999, hashed with the
 *     flag's variant salt), which the chosen variant owns; -1 otherwise
 * @param variantWeightBasisPoints the chosen variant's weight, 0..10000; 0 without a variant
 */
public record FlagEvaluation(
    String flag,
    long version,
    boolean on,
    EvaluationReason reason,
    int rule,
    int bucket,
    int rolloutBasisPoints,
    String prerequisite,
    String variant,
    com.fasterxml.jackson.databind.JsonNode variantValue,
    String variantSource,
    int variantBucket,
    int variantWeightBasisPoints) {

  /** An evaluation of a boolean flag (no variant). */
  public FlagEvaluation(
      String flag,
      long version,
      boolean on,
      EvaluationReason reason,
      int rule,
      int bucket,
      int rolloutBasisPoints,
      String prerequisite) {
    this(
        flag,
        version,
        on,
        reason,
        rule,
        bucket,
        rolloutBasisPoints,
        prerequisite,
        null,
        null,
        null,
        -1,
        0);
  }

  /**
   * One line for people: {@code ON: rule 2 matched, bucket 1234 < 2500 (25 %)}, followed on a
   * multivariate flag by the variant and how it was chosen: {@code ...; variant blue (weight 30 %,
   * owns variant bucket 812)}.
   */
  public String explanation() {
    if (variant == null) {
      return booleanExplanation();
    }
    String how =
        switch (variantSource == null ? "" : variantSource) {
          case "off" -> "the off variant";
          case "rule" -> "named by rule " + rule;
          case "default" -> "the default variant: no stickiness value to allocate by";
          case "weight" ->
              "weight "
                  + java.math.BigDecimal.valueOf(variantWeightBasisPoints, 2)
                      .stripTrailingZeros()
                      .toPlainString()
                  + " %, owns variant bucket "
                  + variantBucket;
          default -> "";
        };
    return booleanExplanation() + "; variant " + variant + " (" + how + ")";
  }

  private String booleanExplanation() {
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
