package dev.rollgate.flags;

/**
 * The type of a multivariate flag's variant values ({@link FlagDefinition#variationType()}); every
 * variant of one flag has a value of that type. A flag without a variation type is a boolean flag.
 */
public enum VariationType {
  /** A JSON string. */
  STRING,
  /** A JSON number (integer or decimal). */
  NUMBER,
  /** Any JSON value: object, array, string, number, boolean. */
  JSON;

  /** True when {@code value} is of this type. */
  public boolean accepts(com.fasterxml.jackson.databind.JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return false;
    }
    return switch (this) {
      case STRING -> value.isTextual();
      case NUMBER -> value.isNumber();
      case JSON -> true;
    };
  }
}
