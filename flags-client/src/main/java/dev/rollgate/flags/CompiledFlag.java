package dev.rollgate.flags;

import java.util.HashSet;
import java.util.List;

/**
 * A {@link FlagDefinition} prepared for allocation-free evaluation: allow/deny/IN lists as hash
 * sets, numeric and semver operands parsed, the salt's part of the bucketing hash precomputed.
 */
final class CompiledFlag {

  private static final CompiledCondition[][] NO_RULES = new CompiledCondition[0][];

  final FlagDefinition definition;
  private final boolean off;
  private final HashSet<String> deny;
  private final HashSet<String> allow;
  private final CompiledCondition[][] rules;
  private final String stickiness;
  private final int basisPoints;
  private final Bucketing.Prefix prefix;

  CompiledFlag(FlagDefinition definition) {
    this.definition = definition;
    this.off = definition.killed() || !definition.enabled();
    this.deny = definition.denyUsers().isEmpty() ? null : new HashSet<>(definition.denyUsers());
    this.allow = definition.allowUsers().isEmpty() ? null : new HashSet<>(definition.allowUsers());
    List<Rule> ruleList = definition.rules();
    if (ruleList.isEmpty()) {
      this.rules = NO_RULES;
    } else {
      this.rules = new CompiledCondition[ruleList.size()][];
      for (int r = 0; r < ruleList.size(); r++) {
        List<Condition> conditions = ruleList.get(r).conditions();
        CompiledCondition[] compiled = new CompiledCondition[conditions.size()];
        for (int c = 0; c < compiled.length; c++) {
          compiled[c] = new CompiledCondition(conditions.get(c));
        }
        this.rules[r] = compiled;
      }
    }
    this.stickiness = definition.stickiness();
    this.basisPoints = definition.rolloutBasisPoints();
    this.prefix = Bucketing.Prefix.of(definition.salt());
  }

  long version() {
    return definition.version();
  }

  /** The decision for {@code ctx}; allocation-free, never throws for a non-null context. */
  boolean evaluate(EvaluationContext ctx) {
    if (off) {
      return false;
    }
    String userId = ctx.userId();
    if (userId != null) {
      if (deny != null && deny.contains(userId)) {
        return false;
      }
      if (allow != null && allow.contains(userId)) {
        return true;
      }
    }
    if (rules.length > 0 && !anyRuleMatches(ctx)) {
      return false;
    }
    if (basisPoints <= 0) {
      return false;
    }
    EvaluationContext.Value key = ctx.value(stickiness);
    if (key == null) {
      return false;
    }
    return prefix.bucket(key.text) < basisPoints;
  }

  private boolean anyRuleMatches(EvaluationContext ctx) {
    for (CompiledCondition[] rule : rules) {
      if (allMatch(rule, ctx)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allMatch(CompiledCondition[] rule, EvaluationContext ctx) {
    for (CompiledCondition condition : rule) {
      if (!condition.matches(ctx)) {
        return false;
      }
    }
    return true;
  }

  /** One condition with its operands parsed once. */
  static final class CompiledCondition {
    private final String attribute;
    private final Operator op;
    private final String first;
    private final HashSet<String> set;
    private final boolean numeric;
    private final double number;
    private final SemanticVersion version;

    CompiledCondition(Condition condition) {
      this.attribute = condition.attribute();
      this.op = condition.op();
      List<String> values = condition.values();
      this.first = values.isEmpty() ? null : values.get(0);
      this.set = new HashSet<>(values);
      this.number = EvaluationContext.parseNumber(first);
      this.numeric = !Double.isNaN(number);
      this.version = SemanticVersion.parse(first);
    }

    boolean matches(EvaluationContext ctx) {
      EvaluationContext.Value v = ctx.value(attribute);
      if (v == null) {
        return false;
      }
      return switch (op) {
        case EQ -> first != null && first.equals(v.text);
        case NEQ -> first != null && !first.equals(v.text);
        case IN -> set.contains(v.text);
        case NOT_IN -> !set.contains(v.text);
        case GT -> numeric && v.numeric && v.number > number;
        case GTE -> numeric && v.numeric && v.number >= number;
        case LT -> numeric && v.numeric && v.number < number;
        case LTE -> numeric && v.numeric && v.number <= number;
        case SEMVER_EQ -> version != null && v.version != null && v.version.compareTo(version) == 0;
        case SEMVER_GT -> version != null && v.version != null && v.version.compareTo(version) > 0;
        case SEMVER_GTE ->
            version != null && v.version != null && v.version.compareTo(version) >= 0;
        case SEMVER_LT -> version != null && v.version != null && v.version.compareTo(version) < 0;
        case SEMVER_LTE ->
            version != null && v.version != null && v.version.compareTo(version) <= 0;
      };
    }
  }
}
