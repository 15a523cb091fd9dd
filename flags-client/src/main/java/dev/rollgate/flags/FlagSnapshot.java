package dev.rollgate.flags;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable set of flags ready for local evaluation. Changes produce a new snapshot
 * (copy-on-write), so a reference can be shared freely between threads.
 *
 * <h2>Evaluation</h2>
 *
 * First match wins:
 *
 * <ol>
 *   <li>unknown flag → the caller's default ({@code false} unless given);
 *   <li>killed → false; not enabled → false;
 *   <li>a prerequisite unknown, killed, disabled or not giving its required answer → false;
 *   <li>user id in {@code denyUsers} → false; user id in {@code allowUsers} → true;
 *   <li>rules present and none matches → false (conditions within a rule are AND'd, rules OR'd);
 *   <li>stickiness attribute missing from the context → false;
 *   <li>otherwise {@code Bucketing.bucket(salt, stickinessValue) < rolloutBasisPoints}.
 * </ol>
 *
 * <p>{@link #isEnabled(String, EvaluationContext, boolean)} never throws, does no I/O and allocates
 * nothing: the definitions are compiled when the snapshot is built (hash sets for allow/deny/IN,
 * parsed numbers and versions, the salt's share of the hash precomputed) and the {@link
 * EvaluationContext} is parsed when it is built.
 */
public final class FlagSnapshot {

  private static final FlagSnapshot EMPTY = new FlagSnapshot(new HashMap<>(), Map.of());

  private final HashMap<String, CompiledFlag> flags;

  /**
   * Deleted flags this snapshot learnt of (name → the deletion's version): versions up to it are
   * not taken back from a late push or a full load that read before the deletion. Never consulted
   * by evaluation.
   */
  private final Map<String, Long> deleted;

  private FlagSnapshot(HashMap<String, CompiledFlag> flags, Map<String, Long> deleted) {
    this.flags = flags;
    this.deleted = deleted;
  }

  /** A snapshot with no flags: everything evaluates to the caller's default. */
  public static FlagSnapshot empty() {
    return EMPTY;
  }

  /** A snapshot of the given flags; when a name repeats, the highest version wins. */
  public static FlagSnapshot of(Collection<FlagDefinition> definitions) {
    HashMap<String, CompiledFlag> map = new HashMap<>(capacity(definitions.size()));
    for (FlagDefinition definition : definitions) {
      CompiledFlag held = map.get(definition.name());
      if (held == null || definition.version() > held.version()) {
        map.put(definition.name(), new CompiledFlag(definition));
      }
    }
    return new FlagSnapshot(map, Map.of());
  }

  /**
   * This snapshot with {@code definition} added or replaced, or this same instance when it already
   * holds that flag at the same or a newer version, or knows the flag deleted at the same or a
   * newer version.
   */
  public FlagSnapshot withFlag(FlagDefinition definition) {
    CompiledFlag held = flags.get(definition.name());
    if (held != null && held.version() >= definition.version()) {
      return this;
    }
    Long deletedAt = deleted.get(definition.name());
    if (deletedAt != null && deletedAt >= definition.version()) {
      return this;
    }
    HashMap<String, CompiledFlag> map = new HashMap<>(capacity(flags.size() + 1));
    map.putAll(flags);
    map.put(definition.name(), new CompiledFlag(definition, held));
    Map<String, Long> tombstones = deleted;
    if (deletedAt != null) {
      tombstones = new HashMap<>(deleted);
      tombstones.remove(definition.name());
    }
    return new FlagSnapshot(map, tombstones);
  }

  /**
   * This snapshot without the deleted flag (it then evaluates as unknown: the caller's default),
   * remembering the deletion so that older versions arriving later are ignored; this same instance
   * when it holds the flag at a newer version than the deletion, or already knows the deletion.
   */
  public FlagSnapshot without(FlagDeletion deletion) {
    CompiledFlag held = flags.get(deletion.name());
    if (held != null && held.version() > deletion.version()) {
      return this;
    }
    Long deletedAt = deleted.get(deletion.name());
    if (deletedAt != null && deletedAt >= deletion.version()) {
      return this;
    }
    HashMap<String, CompiledFlag> map = flags;
    if (held != null) {
      map = new HashMap<>(flags);
      map.remove(deletion.name());
    }
    HashMap<String, Long> tombstones = new HashMap<>(deleted);
    tombstones.put(deletion.name(), deletion.version());
    return new FlagSnapshot(map, tombstones);
  }

  /** The version of {@code name}'s deletion, if this snapshot learnt of one. */
  public Optional<Long> deletedVersion(String name) {
    return Optional.ofNullable(name == null ? null : deleted.get(name));
  }

  /**
   * A snapshot holding exactly the flags in {@code loaded} (a full reload, so flags missing from it
   * are dropped), except that a flag this snapshot holds at a newer version than the loaded one is
   * kept: a push that raced the reload is not undone. Likewise a loaded version at or below a
   * deletion this snapshot learnt of is left out: the load read before the deletion. Unchanged
   * flags are reused, not recompiled.
   */
  FlagSnapshot reconcile(Collection<FlagDefinition> loaded) {
    HashMap<String, CompiledFlag> map = new HashMap<>(capacity(loaded.size()));
    Map<String, Long> tombstones = deleted;
    for (FlagDefinition definition : loaded) {
      CompiledFlag chosen = map.get(definition.name());
      if (chosen != null && chosen.version() >= definition.version()) {
        continue;
      }
      Long deletedAt = deleted.get(definition.name());
      if (deletedAt != null && deletedAt >= definition.version()) {
        continue;
      }
      if (deletedAt != null) {
        if (tombstones == deleted) {
          tombstones = new HashMap<>(deleted);
        }
        tombstones.remove(definition.name()); // created again since
      }
      CompiledFlag held = flags.get(definition.name());
      if (held != null
          && (held.version() > definition.version() || held.definition.equals(definition))) {
        map.put(definition.name(), held);
      } else {
        map.put(definition.name(), new CompiledFlag(definition, held));
      }
    }
    return new FlagSnapshot(map, tombstones);
  }

  /** Evaluates {@code flag} for {@code ctx}; an unknown flag is off. */
  public boolean isEnabled(String flag, EvaluationContext ctx) {
    return isEnabled(flag, ctx, false);
  }

  /**
   * Evaluates {@code flag} for {@code ctx}. Never throws, does no I/O, allocates nothing.
   *
   * @param flag flag name; null or unknown gives {@code defaultValue}
   * @param ctx the context; null is treated as {@link EvaluationContext#EMPTY}
   * @param defaultValue returned for flags this snapshot does not hold
   */
  public boolean isEnabled(String flag, EvaluationContext ctx, boolean defaultValue) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    if (compiled == null) {
      return defaultValue;
    }
    return compiled.evaluate(ctx == null ? EvaluationContext.EMPTY : ctx, flags);
  }

  /**
   * Evaluates {@code flag} for {@code ctx} like {@link #isEnabled(String, EvaluationContext,
   * boolean)} and says why: the reason, the rule that matched, the bucket. Allocates the answer;
   * meant for tools, logs and tests, not for the hot path.
   */
  public FlagEvaluation explain(String flag, EvaluationContext ctx, boolean defaultValue) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    if (compiled == null) {
      return new FlagEvaluation(
          flag, -1, defaultValue, EvaluationReason.UNKNOWN_FLAG, 0, -1, 0, null);
    }
    return compiled.explain(ctx == null ? EvaluationContext.EMPTY : ctx, flags);
  }

  /**
   * The variant of the multivariate {@code flag} served to {@code ctx} (see {@link FlagDefinition}
   * for the order of the checks), counted as one exposure of it ({@link #exposures}). Never throws,
   * does no I/O, allocates nothing: the variant returned is the snapshot's own.
   *
   * @return null for an unknown or boolean flag
   */
  public Variant variant(String flag, EvaluationContext ctx) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    if (compiled == null) {
      return null;
    }
    return compiled.variant(ctx == null ? EvaluationContext.EMPTY : ctx, flags);
  }

  /**
   * The served variant's value of a {@link VariationType#STRING} flag; {@code defaultValue} for an
   * unknown flag or one of another type. Allocation-free.
   */
  public String stringVariation(String flag, EvaluationContext ctx, String defaultValue) {
    Variant v = typed(flag, VariationType.STRING);
    v = v == null ? null : variant(flag, ctx);
    return v == null ? defaultValue : v.value().textValue();
  }

  /**
   * The served variant's value of a {@link VariationType#NUMBER} flag; {@code defaultValue} for an
   * unknown flag or one of another type. Allocation-free.
   */
  public double numberVariation(String flag, EvaluationContext ctx, double defaultValue) {
    Variant v = typed(flag, VariationType.NUMBER);
    v = v == null ? null : variant(flag, ctx);
    return v == null ? defaultValue : v.value().doubleValue();
  }

  /**
   * The served variant's value of a multivariate flag of any type, as JSON (shared: do not modify
   * it); {@code defaultValue} for an unknown or boolean flag. Allocation-free.
   */
  public com.fasterxml.jackson.databind.JsonNode jsonVariation(
      String flag, EvaluationContext ctx, com.fasterxml.jackson.databind.JsonNode defaultValue) {
    Variant v = variant(flag, ctx);
    return v == null ? defaultValue : v.value();
  }

  /** Any variant of {@code flag} when it is multivariate of {@code type}, else null. */
  private Variant typed(String flag, VariationType type) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    if (compiled == null
        || !compiled.multivariate()
        || compiled.definition.variationType() != type) {
      return null;
    }
    return compiled.definition.variants().get(0);
  }

  /**
   * Exposures of the multivariate {@code flag}'s variants: how many evaluations through {@link
   * #variant} (and the typed variations) served each one since this client started; a variant keeps
   * its count across versions of the flag while it keeps its name. Empty for an unknown or boolean
   * flag. In the flag's variant order.
   */
  public Map<String, Long> exposures(String flag) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    return compiled == null ? Map.of() : compiled.exposures();
  }

  /**
   * {@link #explain}, and on a multivariate flag the variant served counts as an exposure as with
   * {@link #variant}: for adapters (the OpenFeature provider) that answer with the explanation.
   */
  public FlagEvaluation explainVariant(String flag, EvaluationContext ctx) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    if (compiled == null) {
      return explain(flag, ctx, false);
    }
    return compiled.explainExposed(ctx == null ? EvaluationContext.EMPTY : ctx, flags);
  }

  /**
   * Evaluations of {@code flag} in this client since it started (through {@link #isEnabled}, {@link
   * #variant}, the typed variations and {@link #explain}), kept across versions of the flag; a
   * prerequisite checked for another flag is not counted. 0 for an unknown flag. A flag that stays
   * at 0 in every client is unused: see {@code rollgate flags stale}.
   */
  public long evaluations(String flag) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    return compiled == null ? 0 : compiled.evaluations.sum();
  }

  /** The evaluation counter of {@code flag}, null for an unknown flag. */
  java.util.concurrent.atomic.LongAdder evaluationCounter(String flag) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    return compiled == null ? null : compiled.evaluations;
  }

  /** The exposure counters of {@code flag}'s variants by name; empty for a boolean flag. */
  Map<String, java.util.concurrent.atomic.LongAdder> exposureCounters(String flag) {
    CompiledFlag compiled = flag == null ? null : flags.get(flag);
    return compiled == null ? Map.of() : compiled.exposureCounters();
  }

  /** The definition of {@code name}, if held. */
  public Optional<FlagDefinition> flag(String name) {
    CompiledFlag compiled = name == null ? null : flags.get(name);
    return compiled == null ? Optional.empty() : Optional.of(compiled.definition);
  }

  /** True when the snapshot holds {@code name}. */
  public boolean contains(String name) {
    return name != null && flags.containsKey(name);
  }

  /** Names of the flags held, unmodifiable. */
  public Set<String> names() {
    return Collections.unmodifiableSet(flags.keySet());
  }

  /** Every definition held, in no particular order. */
  public List<FlagDefinition> definitions() {
    List<FlagDefinition> out = new ArrayList<>(flags.size());
    for (CompiledFlag compiled : flags.values()) {
      out.add(compiled.definition);
    }
    return Collections.unmodifiableList(out);
  }

  /** Number of flags held. */
  public int size() {
    return flags.size();
  }

  @Override
  public String toString() {
    Map<String, Long> versions = new HashMap<>();
    flags.forEach((name, compiled) -> versions.put(name, compiled.version()));
    return "FlagSnapshot" + versions;
  }

  private static int capacity(int entries) {
    return Math.max(16, (int) (entries / 0.75f) + 1);
  }
}
