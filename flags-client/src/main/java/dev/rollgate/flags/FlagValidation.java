package dev.rollgate.flags;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * What a flag must satisfy when it is defined or changed, beyond what {@link FlagDefinition}'s
 * constructor checks: rule operands that fit their operator, and size caps. Every check answers
 * {@code null} (fine) or one line naming what is wrong, fit to show an operator as is.
 *
 * <p>Clients do not apply these checks when they read flags: a flag stored before a check existed
 * still loads and evaluates (an operand that does not parse never matches). Writers apply them with
 * {@link #changeProblem}, which looks only at what a change touches, so a percentage change or the
 * kill switch is never refused because of an older flag's targeting.
 *
 * <p>Caps, and why: every change publishes the whole flag to every client and every client holds
 * every flag in memory, so a flag stays small. Large cohorts belong in a rule on an attribute, not
 * in a list of user ids.
 */
public final class FlagValidation {

  /** Most user ids in {@code allowUsers}, and separately in {@code denyUsers}. */
  public static final int MAX_LIST_USERS = 1_000;

  /** Most prerequisites one flag lists. */
  public static final int MAX_PREREQUISITES = 10;

  /**
   * Longest chain of prerequisite links (a → b → c is 2). Evaluation also stops there: a link
   * beyond it fails, so a cycle written by two racing changes turns its flags off, never loops.
   */
  public static final int MAX_PREREQUISITE_DEPTH = 5;

  /** Most variants one multivariate flag has. */
  public static final int MAX_VARIANTS = 100;

  /** Largest flag, in bytes of its UTF-8 {@link FlagCodec} JSON. */
  public static final int MAX_ENCODED_BYTES = 128 * 1024;

  private FlagValidation() {}

  /**
   * A rollout percentage as basis points: {@code 12.5} is 1250. A percentage outside 0-100, or
   * finer than one basis point (0.01 %, e.g. {@code 50.005}), is refused rather than rounded.
   *
   * @param what how the caller names the value in the message, e.g. {@code --percent}
   * @throws IllegalArgumentException naming {@code what} and the value
   */
  public static int basisPoints(String what, BigDecimal percent) {
    if (percent == null
        || percent.compareTo(BigDecimal.ZERO) < 0
        || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw new IllegalArgumentException(
          what
              + " "
              + (percent == null ? "(none)" : percent.toPlainString())
              + " is outside 0-100");
    }
    BigDecimal bp = percent.movePointRight(2);
    if (bp.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException(
          what
              + " "
              + percent.toPlainString()
              + " is finer than one basis point: use at most two decimals (0.01 %)");
    }
    return bp.intValueExact();
  }

  /** Every check on a whole flag: lists, rules, encoded size. */
  public static String problem(FlagDefinition flag) {
    return changeProblem(null, flag);
  }

  /**
   * The checks on what changed from {@code before} (null for a new flag) to {@code after}: the
   * lists and rules only when they changed, the encoded size only when the targeting (lists, rules)
   * changed.
   */
  public static String changeProblem(FlagDefinition before, FlagDefinition after) {
    boolean allowChanged = before == null || !before.allowUsers().equals(after.allowUsers());
    boolean denyChanged = before == null || !before.denyUsers().equals(after.denyUsers());
    boolean rulesChanged = before == null || !before.rules().equals(after.rules());
    String problem = allowChanged ? listProblem("allowUsers", after.allowUsers()) : null;
    if (problem == null && denyChanged) {
      problem = listProblem("denyUsers", after.denyUsers());
    }
    if (problem == null && rulesChanged) {
      problem = rulesProblem(after.rules());
    }
    boolean variantsChanged =
        before == null
            || before.variationType() != after.variationType()
            || !before.variants().equals(after.variants())
            || !java.util.Objects.equals(before.offVariant(), after.offVariant())
            || !java.util.Objects.equals(before.defaultVariant(), after.defaultVariant());
    if (problem == null && (variantsChanged || rulesChanged)) {
      problem = variantsProblem(after);
    }
    if (problem == null && (allowChanged || denyChanged || rulesChanged || variantsChanged)) {
      problem = sizeProblem(after);
    }
    return problem;
  }

  /**
   * The checks on a flag's variants, null when fine, else one line: a multivariate flag has 1 to
   * {@link #MAX_VARIANTS} variants, no name twice, every value of the flag's variation type,
   * weights summing to exactly 100 %, and its off variant, default variant and every rule's variant
   * among them; a boolean flag has no variants and no rule names one.
   */
  public static String variantsProblem(FlagDefinition flag) {
    List<Variant> variants = flag.variants();
    VariationType type = flag.variationType();
    if (type == null) {
      if (!variants.isEmpty()) {
        return "flag "
            + flag.name()
            + " has variants but no variation type: give one (string, number or json)";
      }
      if (flag.offVariant() != null || flag.defaultVariant() != null) {
        return "flag " + flag.name() + " names an off or default variant but has no variants";
      }
      for (int r = 0; r < flag.rules().size(); r++) {
        if (flag.rules().get(r).variant() != null) {
          return "rule "
              + (r + 1)
              + " serves variant '"
              + flag.rules().get(r).variant()
              + "' but flag "
              + flag.name()
              + " has no variants";
        }
      }
      return null;
    }
    if (variants.isEmpty()) {
      return "flag "
          + flag.name()
          + " is multivariate ("
          + typeName(type)
          + ") but has no variants";
    }
    if (variants.size() > MAX_VARIANTS) {
      return "flag "
          + flag.name()
          + " has "
          + variants.size()
          + " variants; the limit is "
          + MAX_VARIANTS;
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    long sum = 0;
    for (Variant v : variants) {
      if (!names.add(v.name())) {
        return "variant '" + v.name() + "' is defined twice";
      }
      if (!type.accepts(v.value())) {
        return "variant '"
            + v.name()
            + "' has value "
            + v.value()
            + ", which is not a "
            + typeName(type)
            + " (the flag's variation type)";
      }
      sum += v.weightBasisPoints();
    }
    if (sum != FlagDefinition.FULL_ROLLOUT_BASIS_POINTS) {
      return "variant weights sum to "
          + java.math.BigDecimal.valueOf(sum, 2).stripTrailingZeros().toPlainString()
          + " %; they must sum to exactly 100 %";
    }
    if (variants.stream().anyMatch(v -> !v.buckets().isEmpty())) {
      String buckets = VariantAllocation.bucketsProblem(variants);
      if (buckets != null) {
        return buckets;
      }
    }
    String missing = missingVariant("off variant", flag.offVariant(), names);
    if (missing == null) {
      missing = missingVariant("default variant", flag.defaultVariant(), names);
    }
    for (int r = 0; missing == null && r < flag.rules().size(); r++) {
      missing =
          missingVariant("rule " + (r + 1) + "'s variant", flag.rules().get(r).variant(), names);
    }
    return missing == null
        ? null
        : missing + " (variants: " + String.join(", ", variantNames(flag)) + ")";
  }

  private static String missingVariant(String what, String name, java.util.Set<String> names) {
    return name == null || names.contains(name)
        ? null
        : what + " '" + name + "' is not one of the flag's variants";
  }

  private static List<String> variantNames(FlagDefinition flag) {
    return flag.variants().stream().map(Variant::name).toList();
  }

  /** The variation type as the CLI and the API write it: string, number, json. */
  public static String typeName(VariationType type) {
    return type.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The checks on {@code after}'s prerequisites against every stored flag ({@code stored}, by name;
   * {@code after}'s own entry, if any, is replaced by {@code after}): at most {@link
   * #MAX_PREREQUISITES}, none repeated, none the flag itself, each defined, no cycle, and no chain
   * of links through {@code after} (from the flags that depend on it down to the end of its own)
   * longer than {@link #MAX_PREREQUISITE_DEPTH}. Null when fine, else one line.
   */
  public static String prerequisitesProblem(
      FlagDefinition after, java.util.Map<String, FlagDefinition> stored) {
    List<Prerequisite> required = after.prerequisites();
    if (required.size() > MAX_PREREQUISITES) {
      return "flag "
          + after.name()
          + " has "
          + required.size()
          + " prerequisites; the limit is "
          + MAX_PREREQUISITES;
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Prerequisite p : required) {
      if (p.flag().equals(after.name())) {
        return "flag " + after.name() + " cannot be its own prerequisite";
      }
      if (!seen.add(p.flag())) {
        return "prerequisite '" + p.flag() + "' is listed twice";
      }
      if (!stored.containsKey(p.flag())) {
        return "prerequisite '" + p.flag() + "' does not exist (define it first)";
      }
    }
    java.util.Map<String, FlagDefinition> graph = new java.util.HashMap<>(stored);
    graph.put(after.name(), after);
    List<String> cycle = cycleFrom(after.name(), graph, new java.util.ArrayList<>());
    if (cycle != null) {
      return "prerequisites cannot form a cycle: " + String.join(" -> ", cycle);
    }
    java.util.Map<String, Integer> below = new java.util.HashMap<>();
    int deepest = 0;
    String top = after.name();
    for (String name : graph.keySet()) {
      int above = distanceTo(name, after.name(), graph, new java.util.HashMap<>());
      if (above >= 0) {
        int depth = above + depth(after.name(), graph, below);
        if (depth > deepest) {
          deepest = depth;
          top = name;
        }
      }
    }
    if (deepest > MAX_PREREQUISITE_DEPTH) {
      return "the prerequisite chain from "
          + top
          + " through "
          + after.name()
          + " would be "
          + deepest
          + " links deep; the limit is "
          + MAX_PREREQUISITE_DEPTH;
    }
    return null;
  }

  /** The path from {@code name} back to a flag on {@code path}, or null when there is none. */
  private static List<String> cycleFrom(
      String name, java.util.Map<String, FlagDefinition> graph, List<String> path) {
    int at = path.indexOf(name);
    if (at >= 0) {
      List<String> cycle = new java.util.ArrayList<>(path.subList(at, path.size()));
      cycle.add(name);
      return cycle;
    }
    FlagDefinition flag = graph.get(name);
    if (flag == null) {
      return null;
    }
    path.add(name);
    for (Prerequisite p : flag.prerequisites()) {
      List<String> cycle = cycleFrom(p.flag(), graph, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    return null;
  }

  /** Links in the longest chain below {@code name} (no cycles: checked first). */
  private static int depth(
      String name,
      java.util.Map<String, FlagDefinition> graph,
      java.util.Map<String, Integer> memo) {
    Integer known = memo.get(name);
    if (known != null) {
      return known;
    }
    int deepest = 0;
    FlagDefinition flag = graph.get(name);
    if (flag != null) {
      for (Prerequisite p : flag.prerequisites()) {
        deepest = Math.max(deepest, 1 + depth(p.flag(), graph, memo));
      }
    }
    memo.put(name, deepest);
    return deepest;
  }

  /** Links in the longest chain from {@code from} down to {@code to}; -1 when none leads there. */
  private static int distanceTo(
      String from,
      String to,
      java.util.Map<String, FlagDefinition> graph,
      java.util.Map<String, Integer> memo) {
    if (from.equals(to)) {
      return 0;
    }
    Integer known = memo.get(from);
    if (known != null) {
      return known;
    }
    int longest = -1;
    FlagDefinition flag = graph.get(from);
    if (flag != null) {
      for (Prerequisite p : flag.prerequisites()) {
        int d = distanceTo(p.flag(), to, graph, memo);
        if (d >= 0) {
          longest = Math.max(longest, d + 1);
        }
      }
    }
    memo.put(from, longest);
    return longest;
  }

  /** Null when the user list is within {@link #MAX_LIST_USERS} and has no empty id. */
  static String listProblem(String field, List<String> users) {
    if (users.size() > MAX_LIST_USERS) {
      return field
          + " has "
          + users.size()
          + " user ids; the limit is "
          + MAX_LIST_USERS
          + " (target larger groups with a rule on an attribute)";
    }
    for (String user : users) {
      if (user.isBlank()) {
        return field + " contains an empty user id";
      }
    }
    return null;
  }

  /** Null when every rule's conditions have operands that fit their operators. */
  static String rulesProblem(List<Rule> rules) {
    for (int r = 0; r < rules.size(); r++) {
      for (Condition condition : rules.get(r).conditions()) {
        String problem = conditionProblem(condition);
        if (problem != null) {
          return "rule " + (r + 1) + ": " + problem;
        }
      }
    }
    return null;
  }

  /**
   * Null when the condition's operands fit its operator, else one line naming the attribute, the
   * operator (as the CLI writes it) and the operand: single-value operators take exactly one
   * operand, {@code in}/{@code not_in} at least one, numeric operators a finite number, semver
   * operators a semantic version.
   */
  public static String conditionProblem(Condition condition) {
    String op = condition.op().name().toLowerCase(Locale.ROOT);
    String subject = condition.attribute() + " " + op;
    List<String> values = condition.values();
    if (condition.caseInsensitive() && !condition.op().comparesText()) {
      return subject
          + " cannot ignore case: only eq, neq, in, not_in, starts_with, ends_with, contains and"
          + " matches compare text";
    }
    return switch (condition.op()) {
      case IN, NOT_IN -> values.isEmpty() ? subject + " needs at least one value" : null;
      case STARTS_WITH, ENDS_WITH, CONTAINS -> {
        if (values.isEmpty()) {
          yield subject + " needs at least one value";
        }
        yield values.stream().anyMatch(String::isEmpty)
            ? subject + " has an empty value (it would match everything)"
            : null;
      }
      case MATCHES -> {
        String problem = singleValueProblem(subject, values, "; combine them with |");
        String why = problem == null ? BoundedRegex.problem(values.get(0)) : null;
        yield why == null ? problem : subject + " '" + values.get(0) + "' " + why;
      }
      case IN_CIDR -> {
        if (values.isEmpty()) {
          yield subject + " needs at least one value";
        }
        for (String v : values) {
          String why = IpAddress.Range.problem(v);
          if (why != null) {
            yield subject + " '" + v + "' " + why;
          }
        }
        yield null;
      }
      case DATE_BEFORE, DATE_AFTER -> {
        String problem = singleValueProblem(subject, values, "");
        if (problem == null && Dates.parseMillis(values.get(0)) == Dates.NONE) {
          problem =
              subject
                  + " '"
                  + values.get(0)
                  + "' is not an ISO-8601 date-time with a zone (2026-01-29T13:00:00Z,"
                  + " 2026-01-29T15:00:00+02:00) or a date (2026-01-29)";
        }
        yield problem;
      }
      case EQ -> singleValueProblem(subject, values, "; use in for a list");
      case NEQ -> singleValueProblem(subject, values, "; use not_in for a list");
      case GT, GTE, LT, LTE, NUM_EQ -> {
        String problem = singleValueProblem(subject, values, "");
        if (problem == null && Double.isNaN(EvaluationContext.parseNumber(values.get(0)))) {
          problem = subject + " '" + values.get(0) + "' is not a number";
        }
        yield problem;
      }
      case SEMVER_EQ, SEMVER_GT, SEMVER_GTE, SEMVER_LT, SEMVER_LTE -> {
        String problem = singleValueProblem(subject, values, "");
        String why = problem == null ? SemanticVersion.problem(values.get(0)) : null;
        if (why != null) {
          problem = subject + " '" + values.get(0) + "' is not a semantic version: " + why;
        }
        yield problem;
      }
    };
  }

  private static String singleValueProblem(String subject, List<String> values, String hint) {
    if (values.size() == 1) {
      return null;
    }
    return subject
        + " takes exactly one value, got "
        + values.size()
        + (values.isEmpty() ? "" : " (" + String.join(",", values) + hint + ")");
  }

  /** Null when the flag's JSON is within {@link #MAX_ENCODED_BYTES}. */
  static String sizeProblem(FlagDefinition flag) {
    int bytes = FlagCodec.toJson(flag).getBytes(StandardCharsets.UTF_8).length;
    if (bytes <= MAX_ENCODED_BYTES) {
      return null;
    }
    return "flag "
        + flag.name()
        + " would be "
        + bytes
        + " bytes encoded; the limit is "
        + MAX_ENCODED_BYTES
        + " (128 KiB): use fewer user ids or rule values";
  }
}
