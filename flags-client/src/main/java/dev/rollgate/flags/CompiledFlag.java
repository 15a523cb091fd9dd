package dev.rollgate.flags;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link FlagDefinition} prepared for allocation-free evaluation: allow/deny/IN lists as hash
 * sets, numeric, semver, date and CIDR operands parsed, regular expressions compiled, the salt's
 * part of the bucketing hash precomputed.
 *
 * <p>{@link #decide} is the one evaluation path; it answers a {@code long} packing the answer, the
 * reason, the matching rule and the bucket, so that {@link #evaluate} allocates nothing and {@link
 * #explain} tells exactly what {@link #evaluate} decided.
 */
final class CompiledFlag {

  private static final CompiledCondition[][] NO_RULES = new CompiledCondition[0][];
  private static final EvaluationReason[] REASONS = EvaluationReason.values();

  final FlagDefinition definition;
  private final boolean killed;
  private final boolean disabled;
  private final HashSet<String> deny;
  private final HashSet<String> allow;
  private final CompiledCondition[][] rules;
  private final String stickiness;
  private final int basisPoints;
  private final Bucketing.Prefix prefix;
  private final String[] prerequisites;
  private final boolean[] requiredOn;

  // multivariate flags only (variants.length == 0 for a boolean flag)
  private final Variant[] variants;
  private final byte[] owners;
  private final Bucketing.Prefix variantPrefix;
  private final String[] ruleVariants;
  private final int[] ruleVariantIndex;
  private final int offVariant;
  private final int defaultVariant;
  private final LongAdder[] exposures;

  /**
   * Evaluations of this flag ({@link #evaluate}, {@link #variant}, {@link #explain}); carried over
   * from the version this one replaces, so that a flag never evaluated shows 0 whatever its edits.
   */
  final LongAdder evaluations;

  CompiledFlag(FlagDefinition definition) {
    this(definition, null);
  }

  /**
   * Compiles {@code definition}; a variant of the same name in {@code previous} (the version this
   * one replaces, or null) keeps its exposure counter, so that counts survive a weight change.
   */
  CompiledFlag(FlagDefinition definition, CompiledFlag previous) {
    List<Prerequisite> required = definition.prerequisites();
    this.prerequisites = new String[required.size()];
    this.requiredOn = new boolean[required.size()];
    for (int p = 0; p < prerequisites.length; p++) {
      prerequisites[p] = required.get(p).flag();
      requiredOn[p] = required.get(p).on();
    }
    this.definition = definition;
    this.evaluations = previous == null ? new LongAdder() : previous.evaluations;
    this.killed = definition.killed();
    this.disabled = !definition.enabled();
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
    List<Variant> variantList = definition.multivariate() ? definition.variants() : List.of();
    this.variants = variantList.toArray(new Variant[0]);
    this.exposures = new LongAdder[variants.length];
    this.variantPrefix = Bucketing.Prefix.of(definition.effectiveVariantSalt());
    if (variants.length > 0) {
      int[] owner = VariantAllocation.owners(variantList);
      this.owners = new byte[owner.length];
      for (int k = 0; k < owner.length; k++) {
        owners[k] = (byte) owner[k]; // at most MAX_VARIANTS (100) variants; -1: none
      }
    } else {
      this.owners = null;
    }
    for (int v = 0; v < variants.length; v++) {
      int held = previous == null ? -1 : previous.indexOf(variants[v].name());
      exposures[v] = held < 0 ? new LongAdder() : previous.exposures[held];
    }
    this.ruleVariants = new String[ruleList.size()];
    this.ruleVariantIndex = new int[ruleList.size()];
    for (int r = 0; r < ruleList.size(); r++) {
      ruleVariants[r] = ruleList.get(r).variant();
      ruleVariantIndex[r] = indexOf(ruleVariants[r]);
    }
    this.offVariant = indexOf(definition.offVariant());
    int fallback = indexOf(definition.defaultVariant());
    this.defaultVariant = fallback < 0 && variants.length > 0 ? 0 : fallback;
  }

  /** The index of the variant named {@code variantName}, -1 when there is none. */
  private int indexOf(String variantName) {
    if (variantName == null) {
      return -1;
    }
    for (int v = 0; v < variants.length; v++) {
      if (variants[v].name().equals(variantName)) {
        return v;
      }
    }
    return -1;
  }

  boolean multivariate() {
    return variants.length > 0;
  }

  long version() {
    return definition.version();
  }

  /**
   * The decision for {@code ctx}, prerequisites looked up in {@code flags}; allocation-free, never
   * throws for a non-null context.
   */
  boolean evaluate(EvaluationContext ctx, Map<String, CompiledFlag> flags) {
    evaluations.increment();
    return on(decide(ctx, flags, 0));
  }

  /**
   * The variant served to {@code ctx}, counted as one exposure of it; null for a boolean flag, or
   * when the variant to serve does not exist (a definition stored without validation). Allocation-
   * free.
   */
  Variant variant(EvaluationContext ctx, Map<String, CompiledFlag> flags) {
    evaluations.increment();
    if (variants.length == 0) {
      return null;
    }
    int v = variantIndex(decide(ctx, flags, 0), ctx);
    if (v < 0) {
      return null;
    }
    exposures[v].increment();
    return variants[v];
  }

  /** {@link #explain}, counting the variant served as one exposure, as {@link #variant} does. */
  FlagEvaluation explainExposed(EvaluationContext ctx, Map<String, CompiledFlag> flags) {
    FlagEvaluation e = explain(ctx, flags);
    if (e.variant() != null) {
      exposures[indexOf(e.variant())].increment();
    }
    return e;
  }

  /** The exposure counters by variant name. */
  Map<String, LongAdder> exposureCounters() {
    Map<String, LongAdder> counters = new java.util.LinkedHashMap<>();
    for (int v = 0; v < variants.length; v++) {
      counters.put(variants[v].name(), exposures[v]);
    }
    return counters;
  }

  /** Exposures counted by {@link #variant} so far, per variant name, in the flag's order. */
  Map<String, Long> exposures() {
    Map<String, Long> counts = new java.util.LinkedHashMap<>();
    for (int v = 0; v < variants.length; v++) {
      counts.put(variants[v].name(), exposures[v].sum());
    }
    return counts;
  }

  /**
   * Which variant a decision serves: off → the off variant; on through a rule that names a variant
   * → that one; on otherwise → the weighted allocation over the stickiness value, or the default
   * variant when the context has none (an allow-listed user). -1 when there is no such variant.
   */
  private int variantIndex(long d, EvaluationContext ctx) {
    if (!on(d)) {
      return offVariant;
    }
    int rule = (int) ((d >>> 8) & 0xffff);
    if (rule > 0 && ruleVariants[rule - 1] != null) {
      return ruleVariantIndex[rule - 1];
    }
    EvaluationContext.Value key = ctx.value(stickiness);
    return key == null ? defaultVariant : allocate(key.text);
  }

  /**
   * The variant owning the user's variant bucket ({@link VariantAllocation}); the default variant
   * when no variant owns it (weights that do not sum to 100 %, stored without validation).
   */
  private int allocate(String key) {
    int v = owners[variantPrefix.bucket(key)];
    return v < 0 ? defaultVariant : v;
  }

  /** The decision for {@code ctx} with its reason, rule, bucket and failed prerequisite. */
  FlagEvaluation explain(EvaluationContext ctx, Map<String, CompiledFlag> flags) {
    evaluations.increment();
    long d = decide(ctx, flags, 0);
    int prerequisite = (int) ((d >>> 40) & 0xffff) - 1;
    String variant = null;
    int variantBucket = -1;
    String variantSource = null;
    if (variants.length > 0) {
      int v = variantIndex(d, ctx);
      variant = v < 0 ? null : variants[v].name();
      int rule = (int) ((d >>> 8) & 0xffff);
      EvaluationContext.Value key = ctx.value(stickiness);
      if (!on(d)) {
        variantSource = "off";
      } else if (rule > 0 && ruleVariants[rule - 1] != null) {
        variantSource = "rule";
      } else if (key == null) {
        variantSource = "default";
      } else {
        variantSource = "weight";
        if (v >= 0) {
          variantBucket = variantPrefix.bucket(key.text);
        }
      }
    }
    return new FlagEvaluation(
        definition.name(),
        definition.version(),
        on(d),
        REASONS[(int) ((d >>> 1) & 0x7f)],
        (int) ((d >>> 8) & 0xffff),
        (int) ((d >>> 24) & 0xffff) - 1,
        basisPoints,
        prerequisite < 0 ? null : prerequisites[prerequisite],
        variant,
        variant == null ? null : variants[variantIndex(d, ctx)].value(),
        variantSource,
        variantBucket,
        variant == null ? 0 : variants[variantIndex(d, ctx)].weightBasisPoints());
  }

  private static boolean on(long decision) {
    return (decision & 1) != 0;
  }

  /** Packs a decision: bit 0 the answer, bits 1-7 the reason, 8-23 the rule, 24-39 bucket + 1. */
  private static long decision(boolean on, EvaluationReason reason, int rule, int bucket) {
    return (on ? 1L : 0L)
        | ((long) reason.ordinal() << 1)
        | ((long) rule << 8)
        | ((long) (bucket + 1) << 24);
  }

  private static EvaluationReason reason(long decision) {
    return REASONS[(int) ((decision >>> 1) & 0x7f)];
  }

  /**
   * The one evaluation path; see {@link #decision} (bits 40-55: the failed prerequisite's index +
   * 1). {@code depth} counts the prerequisite links followed to get here: past {@link
   * FlagValidation#MAX_PREREQUISITE_DEPTH} (only a cycle written by racing changes gets there) the
   * prerequisite fails. Allocation-free.
   */
  long decide(EvaluationContext ctx, Map<String, CompiledFlag> flags, int depth) {
    if (killed) {
      return decision(false, EvaluationReason.KILLED, 0, -1);
    }
    if (disabled) {
      return decision(false, EvaluationReason.DISABLED, 0, -1);
    }
    for (int p = 0; p < prerequisites.length; p++) {
      CompiledFlag required = flags.get(prerequisites[p]);
      boolean met = false;
      if (required != null && depth < FlagValidation.MAX_PREREQUISITE_DEPTH) {
        long d = required.decide(ctx, flags, depth + 1);
        EvaluationReason why = reason(d);
        met =
            why != EvaluationReason.KILLED
                && why != EvaluationReason.DISABLED
                && on(d) == requiredOn[p];
      }
      if (!met) {
        return decision(false, EvaluationReason.PREREQUISITE_FAILED, 0, -1)
            | ((long) (p + 1) << 40);
      }
    }
    String userId = ctx.userId();
    if (userId != null) {
      if (deny != null && deny.contains(userId)) {
        return decision(false, EvaluationReason.DENY_LIST, 0, -1);
      }
      if (allow != null && allow.contains(userId)) {
        return decision(true, EvaluationReason.ALLOW_LIST, 0, -1);
      }
    }
    int rule = 0;
    if (rules.length > 0) {
      rule = firstMatchingRule(ctx);
      if (rule == 0) {
        return decision(false, EvaluationReason.NO_RULE_MATCHED, 0, -1);
      }
    }
    EvaluationContext.Value key = ctx.value(stickiness);
    if (key == null) {
      return decision(false, EvaluationReason.NO_STICKINESS_VALUE, rule, -1);
    }
    int bucket = prefix.bucket(key.text);
    return decision(bucket < basisPoints, EvaluationReason.ROLLOUT, rule, bucket);
  }

  /** The 1-based index of the first rule that matches, 0 when none does. */
  private int firstMatchingRule(EvaluationContext ctx) {
    for (int r = 0; r < rules.length; r++) {
      if (allMatch(rules[r], ctx)) {
        return r + 1;
      }
    }
    return 0;
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
    private final boolean ignoreCase;
    private final boolean negate;
    private final String first;
    private final String[] texts;
    private final HashSet<String> set;
    private final boolean numeric;
    private final double number;
    private final SemanticVersion version;
    private final long millis;
    private final IpAddress.Range[] ranges;
    private final BoundedRegex regex;

    CompiledCondition(Condition condition) {
      this.attribute = condition.attribute();
      this.op = condition.op();
      this.ignoreCase = condition.caseInsensitive() && op.comparesText();
      this.negate = condition.negate();
      List<String> values =
          ignoreCase
              ? condition.values().stream().map(v -> v.toLowerCase(Locale.ROOT)).toList()
              : condition.values();
      this.first = values.isEmpty() ? null : values.get(0);
      this.texts = values.toArray(new String[0]);
      this.set = new HashSet<>(values);
      this.number = EvaluationContext.parseNumber(first);
      this.numeric = !Double.isNaN(number);
      this.version = SemanticVersion.parse(first);
      this.millis = Dates.parseMillis(first);
      this.ranges =
          op == Operator.IN_CIDR
              ? values.stream()
                  .map(IpAddress.Range::parse)
                  .filter(java.util.Objects::nonNull)
                  .toArray(IpAddress.Range[]::new)
              : null;
      this.regex =
          op == Operator.MATCHES && !condition.values().isEmpty()
              ? BoundedRegex.compile(condition.values().get(0), condition.caseInsensitive())
              : null;
    }

    boolean matches(EvaluationContext ctx) {
      EvaluationContext.Value v = ctx.value(attribute);
      if (v == null) {
        return false;
      }
      return compare(v) != negate;
    }

    private boolean compare(EvaluationContext.Value v) {
      String text = ignoreCase ? v.lower : v.text;
      return switch (op) {
        case EQ -> first != null && first.equals(text);
        case NEQ -> first != null && !first.equals(text);
        case IN -> set.contains(text);
        case NOT_IN -> !set.contains(text);
        case GT -> numeric && v.numeric && v.number > number;
        case GTE -> numeric && v.numeric && v.number >= number;
        case LT -> numeric && v.numeric && v.number < number;
        case LTE -> numeric && v.numeric && v.number <= number;
        case NUM_EQ -> numeric && v.numeric && v.number == number;
        case SEMVER_EQ -> version != null && v.version != null && v.version.compareTo(version) == 0;
        case SEMVER_GT -> version != null && v.version != null && v.version.compareTo(version) > 0;
        case SEMVER_GTE ->
            version != null && v.version != null && v.version.compareTo(version) >= 0;
        case SEMVER_LT -> version != null && v.version != null && v.version.compareTo(version) < 0;
        case SEMVER_LTE ->
            version != null && v.version != null && v.version.compareTo(version) <= 0;
        case STARTS_WITH -> startsWithAny(text);
        case ENDS_WITH -> endsWithAny(text);
        case CONTAINS -> containsAny(text);
        case MATCHES -> regex != null && regex.find(v.text);
        case IN_CIDR -> v.ipFamily != 0 && inAnyRange(v);
        case DATE_BEFORE -> millis != Dates.NONE && v.millis != Dates.NONE && v.millis < millis;
        case DATE_AFTER -> millis != Dates.NONE && v.millis != Dates.NONE && v.millis > millis;
      };
    }

    private boolean startsWithAny(String text) {
      for (String t : texts) {
        if (text.startsWith(t)) {
          return true;
        }
      }
      return false;
    }

    private boolean endsWithAny(String text) {
      for (String t : texts) {
        if (text.endsWith(t)) {
          return true;
        }
      }
      return false;
    }

    private boolean containsAny(String text) {
      for (String t : texts) {
        if (text.contains(t)) {
          return true;
        }
      }
      return false;
    }

    private boolean inAnyRange(EvaluationContext.Value v) {
      for (IpAddress.Range range : ranges) {
        if (range.contains(v.ipFamily, v.ipHi, v.ipLo)) {
          return true;
        }
      }
      return false;
    }
  }
}
