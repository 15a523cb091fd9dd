package dev.rollgate.flags;

/**
 * Comparison applied by a {@link Condition} to one context attribute.
 *
 * <p>Every operator is false when the attribute is missing from the context, including {@link #NEQ}
 * and {@link #NOT_IN}.
 */
public enum Operator {
  /** Attribute equals the first value (exact, case-sensitive string comparison). */
  EQ,
  /** Attribute is present and differs from the first value. */
  NEQ,
  /** Attribute equals one of the values. */
  IN,
  /** Attribute is present and equals none of the values. */
  NOT_IN,
  /**
   * Attribute &gt; first value, both parsed as {@code double}; false if the attribute does not
   * parse. The operand of every numeric operator must be a number when the flag is defined.
   */
  GT,
  /** Attribute &ge; first value, numerically. */
  GTE,
  /** Attribute &lt; first value, numerically. */
  LT,
  /** Attribute &le; first value, numerically. */
  LTE,
  /**
   * Attribute and first value have equal precedence as Semantic Versioning 2.0.0 versions ({@code
   * MAJOR.MINOR.PATCH[-pre][+build]}; build metadata is ignored, pre-release identifiers compare
   * numerically when numeric); false if the attribute is not a valid version. The operand of every
   * semver operator must be a valid version when the flag is defined ({@link FlagValidation}).
   */
  SEMVER_EQ,
  /** Attribute is a newer semantic version than the first value. */
  SEMVER_GT,
  /** Attribute is the same or a newer semantic version than the first value. */
  SEMVER_GTE,
  /** Attribute is an older semantic version than the first value. */
  SEMVER_LT,
  /** Attribute is the same or an older semantic version than the first value. */
  SEMVER_LTE
}
