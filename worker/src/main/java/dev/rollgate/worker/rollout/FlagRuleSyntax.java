package dev.rollgate.worker.rollout;

import dev.rollgate.flags.Condition;
import dev.rollgate.flags.Operator;
import dev.rollgate.flags.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The CLI's rule syntax: {@code country in DE,FR; plan eq pro}. Conditions separated by {@code ;}
 * must all hold (AND); several rules are OR'd. An operator ending in {@value #IGNORE_CASE} ignores
 * case ({@code email ends_with:i @example.com}); one starting with {@value #NEGATE} negates the
 * condition ({@code email !ends_with @corp.com}; still false when the attribute is missing). The
 * operand of {@code matches} is everything after the operator, commas included ({@code id matches
 * ^user-[0-9]{1,6}$}); a regular expression that needs a {@code ;} writes it {@code \x3B}. On a
 * multivariate flag a rule may end in {@code => VARIANT} ({@code plan eq pro => gold}): the users
 * it makes eligible are served that variant.
 */
final class FlagRuleSyntax {
  /** The operator suffix that makes a condition case-insensitive. */
  static final String IGNORE_CASE = ":i";

  /** The operator prefix that negates a condition. */
  static final String NEGATE = "!";

  private FlagRuleSyntax() {}

  /** Ends a rule that serves a variant: {@code plan eq pro => gold}. */
  static final String SERVES = "=>";

  static Rule parse(String text) {
    String variant = null;
    int serves = text.lastIndexOf(SERVES);
    // only a valid variant name after the last "=>" makes it one (a regex may contain "=>")
    if (serves >= 0
        && dev.rollgate.flags.FlagNames.isValid(text.substring(serves + SERVES.length()).trim())) {
      variant = text.substring(serves + SERVES.length()).trim();
      text = text.substring(0, serves);
    }
    List<Condition> conditions = new ArrayList<>();
    for (String part : text.split(";")) {
      String c = part.trim();
      if (c.isEmpty()) {
        continue;
      }
      String[] tokens = c.split("\\s+", 3);
      if (tokens.length < 3) {
        throw new IllegalArgumentException(
            "rule condition '" + c + "' must be ATTRIBUTE OPERATOR VALUE[,VALUE...]");
      }
      String opText = tokens[1].toLowerCase(Locale.ROOT);
      boolean negate = opText.startsWith(NEGATE);
      if (negate) {
        opText = opText.substring(NEGATE.length());
      }
      boolean ignoreCase = opText.endsWith(IGNORE_CASE);
      if (ignoreCase) {
        opText = opText.substring(0, opText.length() - IGNORE_CASE.length());
      }
      Operator op;
      try {
        op = Operator.valueOf(opText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown operator '"
                + tokens[1]
                + "'; use one of "
                + Arrays.toString(Operator.values()).toLowerCase(Locale.ROOT)
                + ", with "
                + IGNORE_CASE
                + " to ignore case, "
                + NEGATE
                + " before it to negate");
      }
      List<String> values =
          op == Operator.MATCHES
              ? List.of(tokens[2].trim())
              : Arrays.stream(tokens[2].split(","))
                  .map(String::trim)
                  .filter(v -> !v.isEmpty())
                  .toList();
      conditions.add(new Condition(tokens[0], op, values, ignoreCase, negate));
    }
    if (conditions.isEmpty()) {
      throw new IllegalArgumentException("empty rule");
    }
    return new Rule(conditions, variant);
  }

  /** The rule in this syntax, as {@link #parse} reads it back. */
  static String format(Rule rule) {
    return rule.conditions().stream()
            .map(
                c ->
                    c.attribute()
                        + " "
                        + (c.negate() ? NEGATE : "")
                        + c.op().name().toLowerCase(Locale.ROOT)
                        + (c.caseInsensitive() ? IGNORE_CASE : "")
                        + " "
                        + String.join(",", c.values()))
            .collect(Collectors.joining("; "))
        + (rule.variant() == null ? "" : " " + SERVES + " " + rule.variant());
  }
}
