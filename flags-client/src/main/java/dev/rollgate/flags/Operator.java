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
  SEMVER_LTE,
  /** Attribute equals the first value numerically ({@code 12} and {@code 12.0} are equal). */
  NUM_EQ,
  /** Attribute starts with one of the values (honours {@link Condition#caseInsensitive()}). */
  STARTS_WITH,
  /** Attribute ends with one of the values (honours {@link Condition#caseInsensitive()}). */
  ENDS_WITH,
  /** Attribute contains one of the values (honours {@link Condition#caseInsensitive()}). */
  CONTAINS,
  /**
   * The regular expression in the first value is found somewhere in the attribute (use {@code ^}
   * and {@code $} to anchor). Only bounded expressions are accepted when a flag is defined; see
   * {@link BoundedRegex} for the rule. Honours {@link Condition#caseInsensitive()}.
   */
  MATCHES,
  /**
   * Attribute is an IPv4 or IPv6 address inside one of the CIDR ranges in the values ({@code
   * 10.0.0.0/8}, {@code 2001:db8::/32}; an address without a prefix length is a single host). An
   * IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) counts as its IPv4 address; an IPv4 range
   * never matches an IPv6 address otherwise, nor the reverse.
   */
  IN_CIDR,
  /**
   * Attribute is a date-time strictly before the first value. Both are ISO-8601: an instant with
   * {@code Z} or an offset ({@code 2026-01-29T13:00:00Z}, {@code 2026-01-29T15:00:00.000+02:00}) or
   * a date ({@code 2026-01-29}, meaning its start in UTC); compared to the millisecond.
   */
  DATE_BEFORE,
  /** Attribute is a date-time strictly after the first value (see {@link #DATE_BEFORE}). */
  DATE_AFTER;

  /** True for the operators {@link Condition#caseInsensitive()} applies to. */
  public boolean comparesText() {
    return switch (this) {
      case EQ, NEQ, IN, NOT_IN, STARTS_WITH, ENDS_WITH, CONTAINS, MATCHES -> true;
      default -> false;
    };
  }
}
