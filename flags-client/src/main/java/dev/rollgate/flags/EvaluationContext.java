package dev.rollgate.flags;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Who a flag is evaluated for: a user id plus string attributes (country, plan, appVersion, ...).
 *
 * <p>Build once per request or user and reuse it for many evaluations: construction reads every
 * attribute up front (lower-cased, as a number, a semantic version, a date-time and an IP address),
 * so evaluation allocates nothing. The user id is also visible to rules and stickiness as the
 * attribute {@value FlagDefinition#DEFAULT_STICKINESS} (it wins over an explicit attribute of that
 * name). Null keys and null values are dropped, so they behave as missing. Immutable and
 * thread-safe.
 */
public final class EvaluationContext {

  /** A context with no user id and no attributes. */
  public static final EvaluationContext EMPTY = new EvaluationContext(null, Map.of());

  private final String userId;
  private final Map<String, String> attributes;
  private final HashMap<String, Value> values;

  private EvaluationContext(String userId, Map<String, String> attributes) {
    LinkedHashMap<String, String> copy = new LinkedHashMap<>();
    if (attributes != null) {
      attributes.forEach(
          (k, v) -> {
            if (k != null && v != null) {
              copy.put(k, v);
            }
          });
    }
    this.userId = userId;
    this.attributes = Collections.unmodifiableMap(copy);
    this.values = new HashMap<>(Math.max(4, (copy.size() + 1) * 2));
    copy.forEach((k, v) -> values.put(k, new Value(v)));
    if (userId != null) {
      values.put(FlagDefinition.DEFAULT_STICKINESS, new Value(userId));
    }
  }

  /** A context with a user id and no attributes. */
  public static EvaluationContext of(String userId) {
    return new EvaluationContext(userId, Map.of());
  }

  /** A context with a user id (may be null) and attributes (copied). */
  public static EvaluationContext of(String userId, Map<String, String> attributes) {
    return new EvaluationContext(userId, attributes);
  }

  /** A builder for contexts assembled attribute by attribute. */
  public static Builder builder() {
    return new Builder();
  }

  /** The user id, or null when there is none. */
  public String userId() {
    return userId;
  }

  /** The attributes as given (without the implicit {@code userId}), unmodifiable. */
  public Map<String, String> attributes() {
    return attributes;
  }

  /** The value rules see for {@code name} ({@code userId} included), or null when missing. */
  public String attribute(String name) {
    Value v = value(name);
    return v == null ? null : v.text;
  }

  /** The pre-parsed value for {@code name}, or null. Allocation-free. */
  Value value(String name) {
    return name == null ? null : values.get(name);
  }

  @Override
  public String toString() {
    return "EvaluationContext[userId=" + userId + ", attributes=" + attributes + "]";
  }

  /**
   * An attribute value with its readings parsed once: lower-cased, as a number, a semantic version,
   * a date-time and an IP address.
   */
  static final class Value {
    final String text;
    final String lower;
    final boolean numeric;
    final double number;
    final SemanticVersion version;
    final long millis;
    final int ipFamily;
    final long ipHi;
    final long ipLo;

    Value(String text) {
      this.text = text;
      this.lower = text.toLowerCase(Locale.ROOT);
      double parsed = parseNumber(text);
      this.numeric = !Double.isNaN(parsed);
      this.number = parsed;
      this.version = SemanticVersion.parse(text);
      this.millis = Dates.parseMillis(text);
      IpAddress ip = text.indexOf('.') < 0 && text.indexOf(':') < 0 ? null : IpAddress.parse(text);
      this.ipFamily = ip == null ? 0 : ip.family();
      this.ipHi = ip == null ? 0 : ip.hi();
      this.ipLo = ip == null ? 0 : ip.lo();
    }
  }

  /** The finite number {@code text} denotes, or NaN. */
  static double parseNumber(String text) {
    if (text == null || text.isEmpty()) {
      return Double.NaN;
    }
    char first = text.charAt(0);
    if (!(first >= '0' && first <= '9') && first != '-' && first != '+' && first != '.') {
      return Double.NaN; // skips the exception for ordinary words; also rejects "NaN"/"Infinity"
    }
    try {
      double d = Double.parseDouble(text);
      return Double.isFinite(d) ? d : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** Assembles an {@link EvaluationContext}. Not thread-safe; {@link #build()} copies. */
  public static final class Builder {
    private String userId;
    private final LinkedHashMap<String, String> attributes = new LinkedHashMap<>();

    private Builder() {}

    /** Sets the user id. */
    public Builder userId(String userId) {
      this.userId = userId;
      return this;
    }

    /** Sets one attribute; a null value removes it. */
    public Builder attribute(String name, String value) {
      if (value == null) {
        attributes.remove(name);
      } else {
        attributes.put(name, value);
      }
      return this;
    }

    /** Sets several attributes. */
    public Builder attributes(Map<String, String> values) {
      values.forEach(this::attribute);
      return this;
    }

    /** The immutable context. */
    public EvaluationContext build() {
      return new EvaluationContext(userId, attributes);
    }
  }
}
