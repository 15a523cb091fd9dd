package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One test on a context attribute, for example {@code country IN [DE, FR]} or {@code appVersion
 * SEMVER_GTE 2.4.0}.
 *
 * <p>Single-value operators ({@code EQ}, {@code NEQ}, the numeric and the semver ones) use the
 * first element of {@code values}; with no values they are false. {@code IN} with no values is
 * false, {@code NOT_IN} with no values is true whenever the attribute is present. A condition on an
 * attribute the context does not carry is always false. The attribute {@code userId} resolves to
 * the context's user id.
 *
 * @param attribute name of the context attribute, never blank
 * @param op the comparison, never null
 * @param values the operand(s); null is read as an empty list; elements must not be null
 * @param caseInsensitive compare ignoring case (for the operators where {@link
 *     Operator#comparesText()}; both sides are lower-cased with {@link java.util.Locale#ROOT}, a
 *     regular expression is compiled with {@code CASE_INSENSITIVE | UNICODE_CASE}); omitted from
 *     the JSON when false
 */
public record Condition(
    String attribute,
    Operator op,
    List<String> values,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean caseInsensitive,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean negate) {

  /** Validates and copies the arguments. */
  public Condition {
    if (attribute == null || attribute.isBlank()) {
      throw new IllegalArgumentException("condition attribute must not be blank");
    }
    if (op == null) {
      throw new IllegalArgumentException("condition on " + attribute + " has no operator");
    }
    values = values == null ? List.of() : List.copyOf(values);
  }

  /** A case-sensitive condition. */
  public Condition(String attribute, Operator op, List<String> values) {
    this(attribute, op, values, false, false);
  }

  /** A condition that is not negated. */
  public Condition(String attribute, Operator op, List<String> values, boolean caseInsensitive) {
    this(attribute, op, values, caseInsensitive, false);
  }

  /** This condition negated: it holds when the comparison does not (the attribute present). */
  public Condition negated() {
    return new Condition(attribute, op, values, caseInsensitive, !negate);
  }

  /** Shorthand: {@code Condition.of("country", Operator.IN, "DE", "FR")}. */
  public static Condition of(String attribute, Operator op, String... values) {
    return new Condition(attribute, op, List.of(values));
  }

  /** Shorthand for a case-insensitive condition: {@code Condition.ignoringCase("email", ...)}. */
  public static Condition ignoringCase(String attribute, Operator op, String... values) {
    return new Condition(attribute, op, List.of(values), true);
  }
}
