package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A deleted flag (a tombstone): the flag's name and the version its deletion has, one above the
 * last version the flag had. A client that learns of it drops the flag (it then evaluates as
 * unknown, i.e. the caller's default) unless it holds a newer version, and ignores every version of
 * the flag up to this one that arrives later. A flag created again under the same name continues
 * from this version.
 *
 * <p>Its JSON, published on {@value FlagsRedisLayout#CHANNEL}, is {@code
 * {"deleted":"old_banner","version":7}}: no {@code name} field, so a client from before deletions
 * rejects the message (counted as a refresh failure) instead of taking it for a flag, and drops the
 * flag at its next full load.
 *
 * @param name the deleted flag, checked by {@link FlagNames#problem(String)}
 * @param version the deletion's version, ≥ 1
 */
@JsonPropertyOrder({"deleted", "version"})
public record FlagDeletion(@JsonProperty("deleted") String name, long version) {

  /**
   * @throws IllegalArgumentException on an invalid name or a version below 1
   */
  public FlagDeletion {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (version < 1) {
      throw new IllegalArgumentException(
          "deletion of " + name + ": version must be >= 1, was " + version);
    }
  }
}
