package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A conjunction of {@link Condition}s: the rule matches when every condition holds. A flag's rules
 * are OR'd; a flag with no rules targets everyone. A rule with no conditions matches every context.
 *
 * @param conditions the conditions, all of which must hold; null is read as an empty list
 * @param variant on a multivariate flag, the variant a user this rule makes eligible is served
 *     (when the rollout lets them in) instead of the weighted allocation; null: the allocation.
 *     Omitted from the JSON when null
 */
public record Rule(
    List<Condition> conditions, @JsonInclude(JsonInclude.Include.NON_NULL) String variant) {

  /** Copies the conditions into an immutable list; an empty variant is read as none. */
  public Rule {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    variant = variant == null || variant.isEmpty() ? null : variant;
  }

  /** A rule serving no particular variant. */
  public Rule(List<Condition> conditions) {
    this(conditions, null);
  }

  /** Shorthand: {@code Rule.of(cond1, cond2)}. */
  public static Rule of(Condition... conditions) {
    return new Rule(List.of(conditions));
  }

  /** Copy serving {@code variantName} (null: the weighted allocation). */
  public Rule serving(String variantName) {
    return new Rule(conditions, variantName);
  }
}
