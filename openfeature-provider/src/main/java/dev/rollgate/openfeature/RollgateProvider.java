package dev.rollgate.openfeature;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.EventProvider;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.ProviderEventDetails;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.Value;
import dev.openfeature.sdk.exceptions.ProviderNotReadyError;
import dev.rollgate.flags.EvaluationReason;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagEvaluation;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.flags.RefreshFailure;
import dev.rollgate.flags.VariationType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OpenFeature provider over a {@link FlagsClient}: evaluation stays local (the client's in-memory
 * snapshot), the provider translates contexts, answers, reasons and events. See the module's README
 * for the reason table.
 *
 * <p>A boolean evaluation answers a flag's on/off ({@value #VARIANT_ON}/{@value #VARIANT_OFF}). A
 * multivariate flag's variant answers the typed evaluations, with the variant's name as the
 * OpenFeature variant: string evaluations a {@code string} flag, integer and double evaluations a
 * {@code number} flag (integer only for a whole number), object evaluations a flag of any variation
 * type (its value as an OpenFeature {@link Value}). Any other pairing answers the caller's default
 * with {@link ErrorCode#TYPE_MISMATCH} (an unknown flag {@link ErrorCode#FLAG_NOT_FOUND}); a flag
 * off for the user with no off variant answers the default with reason DEFAULT. Each typed
 * evaluation counts as an exposure of the variant served ({@link FlagsClient#exposures}). No
 * evaluation throws.
 *
 * <p>Events: {@code PROVIDER_READY} once the client holds its first snapshot (at {@link
 * #initialize}, or later when the first full load succeeds after an initialization that found no
 * source); {@code PROVIDER_CONFIGURATION_CHANGED} with the changed flag names whenever the served
 * snapshot changes; {@code PROVIDER_STALE} when a full load fails on every source (the last
 * snapshot keeps being served), and {@code PROVIDER_READY} again when one succeeds.
 */
public final class RollgateProvider extends EventProvider {

  /** The provider's name in {@link #getMetadata()}. */
  public static final String NAME = "rollgate";

  /** Variant of an evaluation that answered true. */
  public static final String VARIANT_ON = "on";

  /** Variant of an evaluation that answered false. */
  public static final String VARIANT_OFF = "off";

  private enum State {
    NOT_READY,
    READY,
    STALE,
    ERROR,
    SHUT_DOWN
  }

  private final FlagsClient client;
  private final AtomicReference<State> state = new AtomicReference<>(State.NOT_READY);
  private final FlagsClient.Listener listener = new SnapshotListener();
  private volatile boolean ownsClient;

  /**
   * A provider over {@code client}, started or not. When not started, {@link #initialize} starts it
   * and {@link #shutdown} closes it; a client started by the application stays the application's to
   * close.
   */
  public RollgateProvider(FlagsClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  @Override
  public Metadata getMetadata() {
    return () -> NAME;
  }

  /**
   * Starts the client when needed and answers once it holds its first snapshot. When no source was
   * reachable, throws {@link ProviderNotReadyError} (the SDK marks the provider ERROR and
   * evaluations answer defaults) and emits {@code PROVIDER_READY} when a later load succeeds.
   */
  @Override
  public void initialize(EvaluationContext evaluationContext) {
    client.removeListener(listener); // initialized again: listen once
    client.addListener(listener);
    if (!client.isStarted()) {
      ownsClient = true;
      client.start();
    }
    if (client.hasLoaded()) {
      state.set(State.READY);
      return;
    }
    state.set(State.ERROR);
    if (client.hasLoaded()) {
      state.set(State.READY); // the first load landed between the two checks
      return;
    }
    throw new ProviderNotReadyError(
        "Rollgate flags: no flag source reachable yet"
            + client
                .lastRefreshFailure()
                .map(f -> " (" + f.source() + ": " + f.message() + ")")
                .orElse("")
            + "; serving defaults until a load succeeds");
  }

  @Override
  public void shutdown() {
    state.set(State.SHUT_DOWN);
    client.removeListener(listener);
    if (ownsClient) {
      client.close();
    }
    super.shutdown();
  }

  // ---------------------------------------------------------------- evaluation

  @Override
  public ProviderEvaluation<Boolean> getBooleanEvaluation(
      String key, Boolean defaultValue, EvaluationContext ctx) {
    try {
      dev.rollgate.flags.EvaluationContext rollgate = toRollgate(ctx);
      FlagEvaluation evaluation =
          client.explain(key, rollgate, defaultValue != null && defaultValue);
      return booleanResult(evaluation, defaultValue, rollgate.userId() == null);
    } catch (RuntimeException e) {
      return error(defaultValue, ErrorCode.GENERAL, "evaluation failed: " + e);
    }
  }

  @Override
  public ProviderEvaluation<String> getStringEvaluation(
      String key, String defaultValue, EvaluationContext ctx) {
    return variantResult(
        key,
        defaultValue,
        ctx,
        "string",
        t -> t == VariationType.STRING,
        v -> v.isTextual() ? v.textValue() : null);
  }

  @Override
  public ProviderEvaluation<Integer> getIntegerEvaluation(
      String key, Integer defaultValue, EvaluationContext ctx) {
    return variantResult(
        key,
        defaultValue,
        ctx,
        "integer",
        t -> t == VariationType.NUMBER,
        v -> v.isIntegralNumber() && v.canConvertToInt() ? v.intValue() : wholeDouble(v));
  }

  @Override
  public ProviderEvaluation<Double> getDoubleEvaluation(
      String key, Double defaultValue, EvaluationContext ctx) {
    return variantResult(
        key,
        defaultValue,
        ctx,
        "double",
        t -> t == VariationType.NUMBER,
        v -> v.isNumber() ? v.doubleValue() : null);
  }

  @Override
  public ProviderEvaluation<Value> getObjectEvaluation(
      String key, Value defaultValue, EvaluationContext ctx) {
    return variantResult(key, defaultValue, ctx, "object", t -> true, RollgateProvider::value);
  }

  /** An int for a number like {@code 3.0}; null for a fraction or beyond int. */
  private static Integer wholeDouble(JsonNode v) {
    if (!v.isNumber()) {
      return null;
    }
    double d = v.doubleValue();
    return d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE ? (int) d : null;
  }

  /**
   * A typed evaluation of a multivariate flag: the variant's value converted by {@code convert}
   * (null: it does not fit the type asked, TYPE_MISMATCH) with the variant's name.
   */
  private <T> ProviderEvaluation<T> variantResult(
      String key,
      T defaultValue,
      EvaluationContext ctx,
      String type,
      java.util.function.Predicate<VariationType> fits,
      java.util.function.Function<JsonNode, T> convert) {
    try {
      FlagDefinition flag = key == null ? null : client.snapshot().flag(key).orElse(null);
      if (flag == null) {
        return error(defaultValue, ErrorCode.FLAG_NOT_FOUND, "flag " + key + " is not defined");
      }
      if (!flag.multivariate()) {
        return error(
            defaultValue,
            ErrorCode.TYPE_MISMATCH,
            "flag " + key + " is boolean; a " + type + " evaluation answers the default");
      }
      if (!fits.test(flag.variationType())) {
        return error(
            defaultValue,
            ErrorCode.TYPE_MISMATCH,
            "flag "
                + key
                + " has "
                + flag.variationType().name().toLowerCase(java.util.Locale.ROOT)
                + " variants; a "
                + type
                + " evaluation answers the default");
      }
      dev.rollgate.flags.EvaluationContext rollgate = toRollgate(ctx);
      FlagEvaluation evaluation = client.explainVariant(key, rollgate);
      if (evaluation.reason() == EvaluationReason.UNKNOWN_FLAG) { // deleted meanwhile
        return error(defaultValue, ErrorCode.FLAG_NOT_FOUND, "flag " + key + " is not defined");
      }
      if (evaluation.variant() == null) {
        return ProviderEvaluation.<T>builder()
            .value(defaultValue)
            .reason(Reason.DEFAULT.name())
            .flagMetadata(metadata(evaluation).build())
            .build();
      }
      T value = convert.apply(evaluation.variantValue());
      if (value == null) {
        return error(
            defaultValue,
            ErrorCode.TYPE_MISMATCH,
            "flag "
                + key
                + " variant "
                + evaluation.variant()
                + " has value "
                + evaluation.variantValue()
                + ", not a "
                + type);
      }
      ImmutableMetadata.ImmutableMetadataBuilder metadata = metadata(evaluation);
      metadata.addString("variantSource", evaluation.variantSource());
      if (evaluation.variantBucket() >= 0) {
        metadata.addInteger("variantBucket", evaluation.variantBucket());
      }
      return ProviderEvaluation.<T>builder()
          .value(value)
          .variant(evaluation.variant())
          .reason(variantReason(evaluation).name())
          .flagMetadata(metadata.build())
          .build();
    } catch (RuntimeException e) {
      return error(defaultValue, ErrorCode.GENERAL, "evaluation failed: " + e);
    }
  }

  /**
   * The OpenFeature reason of a variant served: the boolean decision's ({@link #reason}), except
   * that a weighted split is SPLIT and a rule naming the variant TARGETING_MATCH.
   */
  static Reason variantReason(FlagEvaluation evaluation) {
    return switch (evaluation.variantSource() == null ? "" : evaluation.variantSource()) {
      case "weight" -> Reason.SPLIT;
      case "rule" -> Reason.TARGETING_MATCH;
      default -> reason(evaluation);
    };
  }

  /** A JSON value as an OpenFeature {@link Value}. */
  static Value value(JsonNode node) {
    if (node == null || node.isNull()) {
      return new Value();
    }
    if (node.isTextual()) {
      return new Value(node.textValue());
    }
    if (node.isBoolean()) {
      return new Value(node.booleanValue());
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      return new Value(node.intValue());
    }
    if (node.isNumber()) {
      return new Value(node.doubleValue());
    }
    if (node.isArray()) {
      List<Value> list = new ArrayList<>();
      node.forEach(n -> list.add(value(n)));
      return new Value(list);
    }
    Map<String, Value> fields = new java.util.LinkedHashMap<>();
    node.properties().forEach(e -> fields.put(e.getKey(), value(e.getValue())));
    return new Value(new dev.openfeature.sdk.MutableStructure(fields));
  }

  private static ImmutableMetadata.ImmutableMetadataBuilder metadata(FlagEvaluation evaluation) {
    ImmutableMetadata.ImmutableMetadataBuilder metadata =
        ImmutableMetadata.builder()
            .addLong("version", evaluation.version())
            .addString("rollgateReason", evaluation.reason().name())
            .addInteger("rolloutBasisPoints", evaluation.rolloutBasisPoints());
    if (evaluation.bucket() >= 0) {
      metadata.addInteger("bucket", evaluation.bucket());
    }
    if (evaluation.rule() > 0) {
      metadata.addInteger("rule", evaluation.rule());
    }
    if (evaluation.prerequisite() != null) {
      metadata.addString("prerequisite", evaluation.prerequisite());
    }
    return metadata;
  }

  private ProviderEvaluation<Boolean> booleanResult(
      FlagEvaluation evaluation, Boolean defaultValue, boolean noTargetingKey) {
    EvaluationReason reason = evaluation.reason();
    if (reason == EvaluationReason.UNKNOWN_FLAG) {
      return error(
          defaultValue, ErrorCode.FLAG_NOT_FOUND, "flag " + evaluation.flag() + " is not defined");
    }
    if (reason == EvaluationReason.NO_STICKINESS_VALUE
        && noTargetingKey
        && bucketsByUser(evaluation.flag())) {
      return error(
          defaultValue,
          ErrorCode.TARGETING_KEY_MISSING,
          "flag " + evaluation.flag() + " buckets by the targeting key and the context has none");
    }
    ImmutableMetadata.ImmutableMetadataBuilder metadata = metadata(evaluation);
    return ProviderEvaluation.<Boolean>builder()
        .value(evaluation.on())
        .variant(evaluation.on() ? VARIANT_ON : VARIANT_OFF)
        .reason(reason(evaluation).name())
        .flagMetadata(metadata.build())
        .build();
  }

  /**
   * The OpenFeature reason of a Rollgate decision (the module README's table); the Rollgate reason
   * itself is in the flag metadata as {@code rollgateReason}.
   */
  static Reason reason(FlagEvaluation evaluation) {
    return switch (evaluation.reason()) {
      case UNKNOWN_FLAG -> Reason.ERROR;
      case KILLED, DISABLED -> Reason.DISABLED;
      case DENY_LIST, ALLOW_LIST -> Reason.TARGETING_MATCH;
      case PREREQUISITE_FAILED, NO_RULE_MATCHED, NO_STICKINESS_VALUE -> Reason.DEFAULT;
      case ROLLOUT -> {
        int basisPoints = evaluation.rolloutBasisPoints();
        if (basisPoints > 0 && basisPoints < FlagDefinition.FULL_ROLLOUT_BASIS_POINTS) {
          yield Reason.SPLIT;
        }
        yield evaluation.rule() > 0 ? Reason.TARGETING_MATCH : Reason.STATIC;
      }
    };
  }

  private boolean bucketsByUser(String flag) {
    return client
        .snapshot()
        .flag(flag)
        .map(f -> FlagDefinition.DEFAULT_STICKINESS.equals(f.stickiness()))
        .orElse(false);
  }

  private static <T> ProviderEvaluation<T> error(T defaultValue, ErrorCode code, String message) {
    return ProviderEvaluation.<T>builder()
        .value(defaultValue)
        .reason(Reason.ERROR.name())
        .errorCode(code)
        .errorMessage(message)
        .build();
  }

  /**
   * The targeting key becomes the user id (blank: none); attributes become strings: strings as they
   * are, booleans {@code true}/{@code false}, numbers by {@link String#valueOf} ({@code 12}, {@code
   * 12.5}), instants in ISO-8601 UTC; structures, lists and nulls are left out.
   */
  static dev.rollgate.flags.EvaluationContext toRollgate(EvaluationContext ctx) {
    if (ctx == null) {
      return dev.rollgate.flags.EvaluationContext.EMPTY;
    }
    String key = ctx.getTargetingKey();
    String userId = key == null || key.isBlank() ? null : key;
    Set<String> names = ctx.keySet();
    Map<String, String> attributes = new HashMap<>(Math.max(4, names.size() * 2));
    for (String name : names) {
      if (EvaluationContext.TARGETING_KEY.equals(name)) {
        continue;
      }
      String text = text(ctx.getValue(name));
      if (text != null) {
        attributes.put(name, text);
      }
    }
    return dev.rollgate.flags.EvaluationContext.of(userId, attributes);
  }

  private static String text(Value value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isString()) {
      return value.asString();
    }
    if (value.isBoolean() || value.isNumber()) {
      return String.valueOf(value.asObject());
    }
    if (value.isInstant()) {
      return value.asInstant().toString();
    }
    return null;
  }

  // ---------------------------------------------------------------- events

  /** Flag names whose definition differs between two snapshots (added, changed or removed). */
  static List<String> changedFlags(FlagSnapshot before, FlagSnapshot after) {
    Set<String> names = new TreeSet<>(before.names());
    names.addAll(after.names());
    List<String> changed = new ArrayList<>();
    for (String name : names) {
      if (!before.flag(name).equals(after.flag(name))) {
        changed.add(name);
      }
    }
    return changed;
  }

  private final class SnapshotListener implements FlagsClient.Listener {
    @Override
    public void snapshotChanged(FlagSnapshot before, FlagSnapshot after) {
      State current = state.get();
      if (current != State.READY && current != State.STALE) {
        return; // the READY that follows the first snapshot covers it
      }
      List<String> changed = changedFlags(before, after);
      if (!changed.isEmpty()) {
        emitProviderConfigurationChanged(
            ProviderEventDetails.builder()
                .flagsChanged(changed)
                .message("Rollgate flags changed: " + String.join(", ", changed))
                .build());
      }
    }

    @Override
    public void refreshSucceeded() {
      if (state.compareAndSet(State.STALE, State.READY)
          || state.compareAndSet(State.ERROR, State.READY)) {
        emitProviderReady(
            ProviderEventDetails.builder().message("Rollgate flags: snapshot loaded").build());
      }
    }

    @Override
    public void refreshFailed(RefreshFailure failure) {
      if (state.compareAndSet(State.READY, State.STALE)) {
        emitProviderStale(
            ProviderEventDetails.builder()
                .message(
                    "Rollgate flags: every source failed, serving the last snapshot"
                        + (failure == null
                            ? ""
                            : " (" + failure.source() + ": " + failure.message() + ")"))
                .build());
      }
    }
  }
}
