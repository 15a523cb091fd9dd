package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a flag is for, and so how long it is expected to live ({@link FlagDefinition#type()}). The
 * types and their expected lifetimes are Unleash's
 * (https://docs.getunleash.io/reference/feature-toggles#feature-flag-types): release 40 days,
 * experiment 40 days, operational 7 days, kill switch and permission permanent. A flag older than
 * its type's lifetime is stale ({@code rollgate flags stale}): remove it from the code, or change
 * its type when it has become permanent.
 *
 * <p>In JSON and on the command line a type is its {@link #id()}: {@code release}, {@code
 * experiment}, {@code operational}, {@code kill-switch}, {@code permission}.
 */
public enum FlagType {
  /** Trunk-based development: a feature released gradually, then the flag removed. */
  RELEASE("release", Duration.ofDays(40)),
  /** A/B or multivariate testing. */
  EXPERIMENT("experiment", Duration.ofDays(40)),
  /** Operational behaviour during a migration or change of system. */
  OPERATIONAL("operational", Duration.ofDays(7)),
  /** Graceful degradation of a feature: permanent. */
  KILL_SWITCH("kill-switch", null),
  /** A feature for some users only (entitlements): permanent. */
  PERMISSION("permission", null);

  /** The type of a new flag and of a stored flag that has none (written before types existed). */
  public static final FlagType DEFAULT = RELEASE;

  private final String id;
  private final Duration lifetime;

  FlagType(String id, Duration lifetime) {
    this.id = id;
    this.lifetime = lifetime;
  }

  /** The name in JSON and on the command line. */
  @JsonValue
  public String id() {
    return id;
  }

  /** The expected lifetime; empty for a permanent type. */
  public Optional<Duration> lifetime() {
    return Optional.ofNullable(lifetime);
  }

  /** True when a flag of this type created {@code age} ago is past its expected lifetime. */
  public boolean staleAt(Duration age) {
    return lifetime != null && age.compareTo(lifetime) > 0;
  }

  /**
   * The type named {@code text} (its id, case-insensitive; an underscore stands for the dash).
   *
   * @throws IllegalArgumentException naming the types when there is none such
   */
  @JsonCreator
  public static FlagType parse(String text) {
    String wanted = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (FlagType type : values()) {
      if (type.id.equals(wanted)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "flag type '" + text + "' does not exist; use one of " + ids());
  }

  /** The ids, comma separated: {@code release, experiment, ...}. */
  public static String ids() {
    return Arrays.stream(values()).map(FlagType::id).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return id;
  }
}
