package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One feature flag, exactly as stored (Redis hash value, PostgreSQL {@code definition} column) and
 * published. Immutable; change it with the {@code with...} methods, which return copies.
 *
 * <p>Evaluation order, first match wins (see {@link FlagSnapshot}): killed → off; not enabled →
 * off; a prerequisite not giving its required answer → off; user in {@code denyUsers} → off; user
 * in {@code allowUsers} → on; rules present and none matches → off; otherwise on when {@code
 * bucket(salt, stickinessValue) < rolloutBasisPoints} (see {@link Bucketing}).
 *
 * @param name flag name, checked by {@link FlagNames#problem(String)}
 * @param version monotonically increasing revision, ≥ 0; clients keep the highest they have seen
 * @param enabled master switch; a disabled flag is off for everyone
 * @param killed kill switch; a killed flag is off for everyone, allow-listed users included
 * @param rolloutBasisPoints share of eligible users that get the flag, 0..10000 (1 bp = 0.01 %)
 * @param salt hash salt; defaults to the flag name. Changing it reshuffles who is in
 * @param stickiness name of the context attribute hashed for bucketing; default {@value
 *     #DEFAULT_STICKINESS}, meaning the context's user id
 * @param allowUsers user ids that always get the flag (unless killed or disabled)
 * @param denyUsers user ids that never get the flag; deny beats allow
 * @param rules targeting rules, OR'd; empty means everyone is eligible
 * @param updatedBy who made the last change; empty when unknown
 * @param updatedAtMillis when the last change was made, epoch milliseconds
 * @param prerequisites flags that must give their required answer first (checked after the kill and
 *     master switches, before the lists); omitted from the JSON when empty
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "name",
  "version",
  "enabled",
  "killed",
  "rolloutBasisPoints",
  "salt",
  "stickiness",
  "allowUsers",
  "denyUsers",
  "rules",
  "updatedBy",
  "updatedAtMillis",
  "prerequisites"
})
public record FlagDefinition(
    String name,
    long version,
    boolean enabled,
    boolean killed,
    int rolloutBasisPoints,
    String salt,
    String stickiness,
    List<String> allowUsers,
    List<String> denyUsers,
    List<Rule> rules,
    String updatedBy,
    long updatedAtMillis,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Prerequisite> prerequisites) {

  /** Basis points that mean 100 %. */
  public static final int FULL_ROLLOUT_BASIS_POINTS = 10_000;

  /** Stickiness value that selects the context's user id. */
  public static final String DEFAULT_STICKINESS = "userId";

  /**
   * Validates and normalises: null lists become empty immutable lists, a null or empty salt becomes
   * the name, a null or blank stickiness becomes {@value #DEFAULT_STICKINESS}, a null updatedBy
   * becomes empty.
   *
   * @throws IllegalArgumentException on an invalid name, a negative version or basis points outside
   *     0..10000
   */
  public FlagDefinition {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (version < 0) {
      throw new IllegalArgumentException("flag " + name + ": version must be >= 0, was " + version);
    }
    if (rolloutBasisPoints < 0 || rolloutBasisPoints > FULL_ROLLOUT_BASIS_POINTS) {
      throw new IllegalArgumentException(
          "flag "
              + name
              + ": rolloutBasisPoints must be within 0..10000, was "
              + rolloutBasisPoints);
    }
    salt = salt == null || salt.isEmpty() ? name : salt;
    stickiness = stickiness == null || stickiness.isBlank() ? DEFAULT_STICKINESS : stickiness;
    allowUsers = allowUsers == null ? List.of() : List.copyOf(allowUsers);
    denyUsers = denyUsers == null ? List.of() : List.copyOf(denyUsers);
    rules = rules == null ? List.of() : List.copyOf(rules);
    updatedBy = updatedBy == null ? "" : updatedBy;
    prerequisites = prerequisites == null ? List.of() : List.copyOf(prerequisites);
  }

  /**
   * A new flag: version 0, enabled, not killed, 0 % rollout, salt = name, stickiness {@value
   * #DEFAULT_STICKINESS}, no allow/deny lists, no rules.
   */
  public static FlagDefinition newFlag(String name) {
    return new FlagDefinition(
        name,
        0,
        true,
        false,
        0,
        name,
        DEFAULT_STICKINESS,
        List.of(),
        List.of(),
        List.of(),
        "",
        0,
        List.of());
  }

  /** Rollout as a percentage, 0.0..100.0 (basis points / 100). */
  @JsonIgnore
  public double rolloutPercent() {
    return rolloutBasisPoints / 100.0;
  }

  /** Copy with another version. */
  public FlagDefinition withVersion(long newVersion) {
    return new FlagDefinition(
        name,
        newVersion,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with the master switch set. */
  public FlagDefinition withEnabled(boolean newEnabled) {
    return new FlagDefinition(
        name,
        version,
        newEnabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with the kill switch set. */
  public FlagDefinition withKilled(boolean newKilled) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        newKilled,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with another rollout, 0..10000 basis points. */
  public FlagDefinition withRolloutBasisPoints(int newBasisPoints) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        newBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with another salt (reshuffles buckets); null or empty means the flag name. */
  public FlagDefinition withSalt(String newSalt) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        newSalt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy hashing another context attribute; null or blank means the user id. */
  public FlagDefinition withStickiness(String newStickiness) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        newStickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with another allow list. */
  public FlagDefinition withAllowUsers(List<String> newAllowUsers) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        newAllowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with another deny list. */
  public FlagDefinition withDenyUsers(List<String> newDenyUsers) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        newDenyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with other targeting rules (OR'd; empty = everyone eligible). */
  public FlagDefinition withRules(List<Rule> newRules) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        newRules,
        updatedBy,
        updatedAtMillis,
        prerequisites);
  }

  /** Copy with other prerequisites. */
  public FlagDefinition withPrerequisites(List<Prerequisite> newPrerequisites) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        updatedBy,
        updatedAtMillis,
        newPrerequisites);
  }

  /** Copy recording who changed the flag and when (epoch milliseconds). */
  public FlagDefinition withUpdated(String by, long atMillis) {
    return new FlagDefinition(
        name,
        version,
        enabled,
        killed,
        rolloutBasisPoints,
        salt,
        stickiness,
        allowUsers,
        denyUsers,
        rules,
        by,
        atMillis,
        prerequisites);
  }
}
