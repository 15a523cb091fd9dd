package dev.rollgate.flags;

import java.util.List;

/**
 * A conjunction of {@link Condition}s: the rule matches when every condition holds. A flag's rules
 * are OR'd; a flag with no rules targets everyone. A rule with no conditions matches every context.
 *
 * @param conditions the conditions, all of which must hold; null is read as an empty list
 */
public record Rule(List<Condition> conditions) {

  /** Copies the conditions into an immutable list. */
  public Rule {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** Shorthand: {@code Rule.of(cond1, cond2)}. */
  public static Rule of(Condition... conditions) {
    return new Rule(List.of(conditions));
  }
}
