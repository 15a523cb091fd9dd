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
 * <p>A multivariate flag (a {@code variationType} and its {@code variants}) also serves a variant
 * ({@link FlagSnapshot#variant}): off for the user → {@code offVariant} (none: the caller's
 * default); on through a rule that names a variant → that variant; otherwise the variant owning the
 * user's variant bucket, {@code bucket(effectiveVariantSalt, stickinessValue)} ({@link
 * VariantAllocation}); an allow-listed user without a stickiness value gets {@code defaultVariant}
 * (none: the first variant).
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
 * @param variationType the type of the variants' values for a multivariate flag; null for a boolean
 *     flag (then every variant field is empty and omitted from the JSON)
 * @param variants the variations, weights summing to 10000 basis points
 * @param offVariant the variant served when the flag is off for the user; null: the caller's
 *     default
 * @param defaultVariant the variant served when the flag is on but there is no stickiness value to
 *     allocate by (an allow-listed user); null: the first variant
 * @param variantSalt the variant allocation's own hash salt; null: {@code salt + "/variants"}
 * @param type what the flag is for and so its expected lifetime ({@link FlagType}); null (a flag
 *     stored before types existed): {@link FlagType#DEFAULT}
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
  "prerequisites",
  "variationType",
  "variants",
  "offVariant",
  "defaultVariant",
  "variantSalt",
  "type"
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
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Prerequisite> prerequisites,
    @JsonInclude(JsonInclude.Include.NON_NULL) VariationType variationType,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Variant> variants,
    @JsonInclude(JsonInclude.Include.NON_NULL) String offVariant,
    @JsonInclude(JsonInclude.Include.NON_NULL) String defaultVariant,
    @JsonInclude(JsonInclude.Include.NON_NULL) String variantSalt,
    FlagType type) {

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
    variants = variants == null ? List.of() : List.copyOf(variants);
    offVariant = offVariant == null || offVariant.isEmpty() ? null : offVariant;
    defaultVariant = defaultVariant == null || defaultVariant.isEmpty() ? null : defaultVariant;
    variantSalt = variantSalt == null || variantSalt.isEmpty() ? null : variantSalt;
    type = type == null ? FlagType.DEFAULT : type;
  }

  /** A flag of the {@link FlagType#DEFAULT} type, as written before flag types existed. */
  public FlagDefinition(
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
      List<Prerequisite> prerequisites,
      VariationType variationType,
      List<Variant> variants,
      String offVariant,
      String defaultVariant,
      String variantSalt) {
    this(
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        FlagType.DEFAULT);
  }

  /**
   * A boolean flag as it was before variants: every variant field empty. Kept for callers written
   * against the boolean-only record.
   */
  public FlagDefinition(
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
      List<Prerequisite> prerequisites) {
    this(
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
        prerequisites,
        null,
        List.of(),
        null,
        null,
        null);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
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
        newPrerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
  }

  /**
   * Copy as a multivariate flag: {@code type}, its {@code variants} (weights summing to 10000;
   * their buckets are reassigned from this flag's by {@link VariantAllocation#rebalance}, so that a
   * user keeps their variant unless its weight falls), the variant served when the flag is off for
   * a user, the variant served when it is on but nothing else decides (an allow-listed user without
   * a stickiness value; null: the first variant), and the variants' own hash salt (null: {@link
   * #effectiveVariantSalt()}'s default). A null type with no variants makes the flag boolean again.
   */
  public FlagDefinition withVariants(
      VariationType type,
      List<Variant> newVariants,
      String newOffVariant,
      String newDefaultVariant,
      String newVariantSalt) {
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
        prerequisites,
        type,
        type == null ? newVariants : VariantAllocation.rebalance(variants, newVariants),
        newOffVariant,
        newDefaultVariant,
        newVariantSalt,
        this.type);
  }

  /** Copy with other variants, type, off/default variant and variant salt kept. */
  public FlagDefinition withVariants(List<Variant> newVariants) {
    return withVariants(variationType, newVariants, offVariant, defaultVariant, variantSalt);
  }

  /** True for a multivariate flag (it has a variation type). */
  @JsonIgnore
  public boolean multivariate() {
    return variationType != null;
  }

  /**
   * The salt the weighted variant allocation hashes with: {@code variantSalt} when set, else the
   * flag's salt followed by {@code "/variants"}, so that who is in the rollout and who gets which
   * variant are independent.
   */
  @JsonIgnore
  public String effectiveVariantSalt() {
    return variantSalt != null ? variantSalt : salt + "/variants";
  }

  /** The variant named {@code variantName}, if the flag has it. */
  public java.util.Optional<Variant> variant(String variantName) {
    return variants.stream().filter(v -> v.name().equals(variantName)).findFirst();
  }

  /** Copy of another type ({@link FlagType}); null means {@link FlagType#DEFAULT}. */
  public FlagDefinition withType(FlagType newType) {
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        newType);
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
        prerequisites,
        variationType,
        variants,
        offVariant,
        defaultVariant,
        variantSalt,
        type);
  }
}
