package dev.rollgate.worker.rollout;

import dev.rollgate.flags.Condition;
import dev.rollgate.flags.Operator;
import dev.rollgate.flags.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The CLI's rule syntax: {@code country in DE,FR; plan eq pro}. Conditions separated by {@code ;}
 * must all hold (AND); several rules are OR'd.
 */
final class FlagRuleSyntax {
  private FlagRuleSyntax() {}

  static Rule parse(String text) {
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
      Operator op;
      try {
        op = Operator.valueOf(tokens[1].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown operator '"
                + tokens[1]
                + "'; use one of "
                + Arrays.toString(Operator.values()).toLowerCase(Locale.ROOT));
      }
      List<String> values =
          Arrays.stream(tokens[2].split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
      conditions.add(new Condition(tokens[0], op, values));
    }
    if (conditions.isEmpty()) {
      throw new IllegalArgumentException("empty rule");
    }
    return new Rule(conditions);
  }
}
