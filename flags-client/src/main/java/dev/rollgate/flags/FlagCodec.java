package dev.rollgate.flags;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one JSON form of a {@link FlagDefinition}, used for the Redis hash, the pub/sub messages and
 * the PostgreSQL {@code definition} column, and of a {@link FlagDeletion} (a pub/sub message).
 * Field names are the record component names; unknown fields are ignored so older clients can read
 * flags written by newer servers.
 *
 * <p>Example: {@code
 * {"name":"new_checkout","version":3,"enabled":true,"killed":false,"rolloutBasisPoints":2500,
 * "salt":"new_checkout","stickiness":"userId","allowUsers":[],"denyUsers":[],"rules":[
 * {"conditions":[{"attribute":"country","op":"IN","values":["DE","FR"]}]}],
 * "updatedBy":"alice","updatedAtMillis":1767225600000}}
 *
 * <p>Thread-safe.
 */
public final class FlagCodec {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

  private FlagCodec() {}

  /** Encodes a flag as compact JSON. */
  public static String toJson(FlagDefinition flag) {
    if (flag == null) {
      throw new IllegalArgumentException("flag must not be null");
    }
    try {
      return MAPPER.writeValueAsString(flag);
    } catch (JsonProcessingException e) {
      // Records of strings, numbers and lists always serialise; keep the cause for diagnosis.
      throw new IllegalStateException("cannot encode flag " + flag.name(), e);
    }
  }

  /**
   * Decodes and validates a flag.
   *
   * @throws IllegalArgumentException with a one-line reason when the text is not valid flag JSON
   */
  public static FlagDefinition fromJson(String json) {
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("invalid flag JSON: empty input");
    }
    FlagDefinition flag;
    try {
      flag = MAPPER.readValue(json, FlagDefinition.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid flag JSON: " + reason(e), e);
    }
    if (flag == null) {
      throw new IllegalArgumentException("invalid flag JSON: null");
    }
    return flag;
  }

  /** Encodes a deletion as compact JSON: {@code {"deleted":"name","version":7}}. */
  public static String toJson(FlagDeletion deletion) {
    if (deletion == null) {
      throw new IllegalArgumentException("deletion must not be null");
    }
    try {
      return MAPPER.writeValueAsString(deletion);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the deletion of " + deletion.name(), e);
    }
  }

  /**
   * Decodes a message of {@value FlagsRedisLayout#CHANNEL}: a {@link FlagDefinition} (a changed
   * flag) or a {@link FlagDeletion} (an object with a {@code deleted} field).
   *
   * @throws IllegalArgumentException with a one-line reason when the text is neither
   */
  public static Object messageFromJson(String json) {
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("invalid flag JSON: empty input");
    }
    try {
      JsonNode tree = MAPPER.readTree(json);
      if (tree != null && tree.isObject() && tree.has("deleted")) {
        return MAPPER.treeToValue(tree, FlagDeletion.class);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid flag JSON: " + reason(e), e);
    }
    return fromJson(json);
  }

  private static String reason(JsonProcessingException e) {
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof IllegalArgumentException) {
        return firstLine(t.getMessage());
      }
      if (t instanceof NullPointerException) {
        return "a list contains null";
      }
    }
    return firstLine(e.getOriginalMessage());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
