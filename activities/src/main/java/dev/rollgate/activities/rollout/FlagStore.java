package dev.rollgate.activities.rollout;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.rollgate.activities.audit.AuditActivitiesImpl;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagDeletion;
import dev.rollgate.flags.FlagValidation;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.audit.AuditEntry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Flags in PostgreSQL, the source of truth. Every change writes a new version (optimistic
 * concurrency on {@code version}), a row in {@code rollgate_flag_change} keyed by an idempotency
 * key, and an audit entry, in one transaction. A change whose result breaks {@link FlagValidation}
 * (an operand that does not fit its operator, a list or flag over its cap) is refused as {@code
 * INVALID_INPUT} before anything is written.
 *
 * <p>A deletion ({@link #delete}) removes the flag's row and writes the next version to {@code
 * rollgate_flag_change} marked {@code deleted} (a tombstone: the flag as it was), with a {@code
 * flag-deleted} audit entry, in one transaction. A flag created again continues from the
 * tombstone's version.
 */
public class FlagStore {
  private static final Table<Record> FLAG = table(name("rollgate_flag"));
  private static final Field<String> NAME = field(name("name"), String.class);
  private static final Field<Long> VERSION = field(name("version"), Long.class);
  private static final Field<JSONB> DEFINITION = field(name("definition"), SQLDataType.JSONB);
  private static final Field<java.time.OffsetDateTime> UPDATED_AT =
      field(name("updated_at"), java.time.OffsetDateTime.class);

  private static final Table<Record> CHANGE = table(name("rollgate_flag_change"));
  private static final Field<String> FLAG_NAME = field(name("flag"), String.class);
  private static final Field<String> KEY = field(name("idempotency_key"), String.class);
  private static final Field<String> ACTOR = field(name("actor"), String.class);
  private static final Field<String> REASON = field(name("reason"), String.class);
  private static final Field<Boolean> DELETED = field(name("deleted"), Boolean.class);
  private static final Field<java.time.OffsetDateTime> CHANGED_AT =
      field(name("changed_at"), java.time.OffsetDateTime.class);

  /**
   * When a stored flag was created: its first change since its last deletion in {@code
   * rollgate_flag_change} (the flag table itself keeps only the last update). Null for a row
   * written without a change (none of the store's).
   */
  private static final Field<java.time.OffsetDateTime> CREATED_AT =
      DSL.field(
          "(select min(c.changed_at) from rollgate_flag_change c where c.flag = rollgate_flag.name"
              + " and c.id > coalesce((select max(d.id) from rollgate_flag_change d"
              + " where d.flag = rollgate_flag.name and d.deleted), 0))",
          java.time.OffsetDateTime.class);

  private static final int ATTEMPTS = 25;

  private final DSLContext db;
  private final Clock clock;

  public FlagStore(DSLContext db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  public Optional<FlagDefinition> find(String flag) {
    return db.select(DEFINITION)
        .from(FLAG)
        .where(NAME.eq(flag))
        .fetchOptional(r -> FlagCodec.fromJson(r.value1().data()));
  }

  public List<FlagDefinition> list() {
    return db.select(DEFINITION)
        .from(FLAG)
        .orderBy(NAME)
        .fetch(r -> FlagCodec.fromJson(r.value1().data()));
  }

  /**
   * A stored flag and when it was created, for its age against its type's expected lifetime ({@link
   * dev.rollgate.flags.FlagType#lifetime()}).
   *
   * @param createdAtMillis the time of the flag's first change since its last deletion (a flag
   *     created again after a deletion is young again), epoch milliseconds
   */
  public record Lifecycle(FlagDefinition definition, long createdAtMillis) {
    /** The flag's age at {@code nowMillis}. */
    public java.time.Duration age(long nowMillis) {
      return java.time.Duration.ofMillis(Math.max(0, nowMillis - createdAtMillis));
    }

    /** True when the flag is older than its type's expected lifetime at {@code nowMillis}. */
    public boolean staleAt(long nowMillis) {
      return definition.type().staleAt(age(nowMillis));
    }
  }

  /** Every stored flag with its creation time, by name. */
  public List<Lifecycle> lifecycles() {
    return lifecycles(DSL.noCondition());
  }

  /** {@code flag} with its creation time, if it exists. */
  public Optional<Lifecycle> lifecycle(String flag) {
    return lifecycles(NAME.eq(flag)).stream().findFirst();
  }

  /**
   * The stale flags now (this store's clock): older than their type's expected lifetime, oldest
   * first.
   */
  public List<Lifecycle> stale() {
    long now = clock.millis();
    return lifecycles().stream()
        .filter(l -> l.staleAt(now))
        .sorted(java.util.Comparator.comparingLong(Lifecycle::createdAtMillis))
        .toList();
  }

  private List<Lifecycle> lifecycles(org.jooq.Condition where) {
    return db.select(DEFINITION, CREATED_AT)
        .from(FLAG)
        .where(where)
        .orderBy(NAME)
        .fetch(
            r -> {
              FlagDefinition def = FlagCodec.fromJson(r.value1().data());
              long created =
                  r.value2() == null
                      ? def.updatedAtMillis()
                      : r.value2().toInstant().toEpochMilli();
              return new Lifecycle(def, created);
            });
  }

  /** What a change request is. */
  public record Change(
      String flag,
      UnaryOperator<FlagDefinition> edit,
      boolean createIfMissing,
      String idempotencyKey,
      String actor,
      String reason,
      String workflowId) {}

  /** The definition after a change, and whether this call wrote it (false: replayed key). */
  public record Applied(FlagDefinition definition, boolean written) {}

  /**
   * Applies {@code change} once: if its idempotency key was already applied, returns the version it
   * produced. Retries internally when another writer bumps the version first.
   */
  public Applied apply(Change change) {
    return apply(change, 0);
  }

  /**
   * {@link #apply(Change)}, with the time the audit row carries: a workflow's own ({@link
   * dev.rollgate.workflows.rollout.FlagChange#auditAtMillis()}), so that the audit log reads in the
   * order the workflow acted; 0 for this store's clock.
   */
  public Applied apply(Change change, long auditAtMillis) {
    return retrying(change.flag(), tx -> tryApply(tx, change, auditAtMillis));
  }

  /**
   * Runs {@code attempt} in a transaction until it returns non-null (null: another writer changed
   * {@code flag} first), backing off between attempts.
   */
  private <T> T retrying(String flag, Function<DSLContext, T> attempt) {
    for (int i = 1; ; i++) {
      T result = db.transactionResult(cfg -> attempt.apply(DSL.using(cfg)));
      if (result != null) {
        return result;
      }
      if (i == ATTEMPTS) {
        throw FailureType.CONFLICT.transientFailure(
            "flag '" + flag + "' kept changing under us; will retry", null);
      }
      backOff(i);
    }
  }

  private static void backOff(int attempt) {
    try {
      // jitter so racing writers stop colliding
      Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 5L * attempt + 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.CONFLICT.transientFailure("interrupted while retrying", e);
    }
  }

  /** Null when another writer won the race (the caller retries). */
  private Applied tryApply(DSLContext tx, Change change, long auditAtMillis) {
    Optional<FlagDefinition> done =
        tx.select(DEFINITION)
            .from(CHANGE)
            .where(KEY.eq(change.idempotencyKey()))
            .fetchOptional(r -> FlagCodec.fromJson(r.value1().data()));
    if (done.isPresent()) {
      return new Applied(done.get(), false);
    }
    Optional<FlagDefinition> current =
        tx.select(DEFINITION)
            .from(FLAG)
            .where(NAME.eq(change.flag()))
            .fetchOptional(r -> FlagCodec.fromJson(r.value1().data()));
    if (current.isEmpty() && !change.createIfMissing()) {
      throw FailureType.NOT_FOUND.permanent("flag '" + change.flag() + "' does not exist");
    }
    long now = clock.millis();
    // a flag created again after a deletion continues from the deletion's version
    FlagDefinition before =
        current.orElseGet(
            () ->
                FlagDefinition.newFlag(change.flag()).withVersion(lastVersion(tx, change.flag())));
    FlagDefinition after =
        change
            .edit()
            .apply(before)
            .withVersion(before.version() + 1)
            .withUpdated(change.actor(), now);
    String problem = FlagValidation.changeProblem(current.orElse(null), after);
    if (problem == null
        && (current.isEmpty() || !current.get().prerequisites().equals(after.prerequisites()))
        && !after.prerequisites().isEmpty()) {
      problem = FlagValidation.prerequisitesProblem(after, byName(tx));
    }
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    JSONB json = JSONB.valueOf(FlagCodec.toJson(after));
    int rows;
    if (current.isEmpty()) {
      rows =
          tx.insertInto(FLAG)
              .columns(NAME, VERSION, DEFINITION)
              .values(change.flag(), after.version(), json)
              .onConflict(NAME)
              .doNothing()
              .execute();
    } else {
      rows =
          tx.update(FLAG)
              .set(VERSION, after.version())
              .set(DEFINITION, json)
              .set(UPDATED_AT, DSL.currentOffsetDateTime())
              .where(NAME.eq(change.flag()).and(VERSION.eq(before.version())))
              .execute();
    }
    if (rows == 0) {
      return null;
    }
    tx.insertInto(CHANGE)
        .columns(FLAG_NAME, VERSION, KEY, ACTOR, REASON, DEFINITION, CHANGED_AT)
        .values(
            change.flag(),
            after.version(),
            change.idempotencyKey(),
            change.actor(),
            change.reason(),
            json,
            // this store's clock, as updatedAtMillis: the flag's age counts from its first change
            java.time.OffsetDateTime.ofInstant(
                java.time.Instant.ofEpochMilli(now), java.time.ZoneOffset.UTC))
        .execute();
    AuditActivitiesImpl.append(
        tx,
        new AuditEntry(
            "flag-change/" + change.idempotencyKey(),
            change.workflowId(),
            change.actor(),
            "flag-change",
            change.flag()
                + " v"
                + after.version()
                + ": "
                + summary(before, after)
                + (change.reason() == null ? "" : " (" + change.reason() + ")"),
            auditAtMillis > 0 ? auditAtMillis : now));
    return new Applied(after, true);
  }

  /** Every stored flag by name, read in {@code tx}: the prerequisite graph. */
  private static Map<String, FlagDefinition> byName(DSLContext tx) {
    Map<String, FlagDefinition> flags = new HashMap<>();
    tx.select(DEFINITION)
        .from(FLAG)
        .fetch(r -> FlagCodec.fromJson(r.value1().data()))
        .forEach(f -> flags.put(f.name(), f));
    return flags;
  }

  /** The highest version {@code flag} ever had (0 when it never existed). */
  private static long lastVersion(DSLContext tx, String flag) {
    Long last =
        tx.select(DSL.max(VERSION)).from(CHANGE).where(FLAG_NAME.eq(flag)).fetchOne().value1();
    return last == null ? 0 : last;
  }

  /** What a deletion request is; {@code idempotencyKey} makes a retried deletion a no-op. */
  public record Deletion(String flag, String idempotencyKey, String actor, String reason) {}

  /** A deletion done, and whether this call did it (false: replayed key). */
  public record Deleted(FlagDeletion deletion, boolean written) {}

  /**
   * Deletes {@code deletion.flag()} once: its row goes, the tombstone (the next version, marked
   * deleted) and a {@code flag-deleted} audit entry are written in the same transaction. A replayed
   * idempotency key returns the deletion it made.
   *
   * @throws io.temporal.failure.ApplicationFailure {@code NOT_FOUND} when the flag does not exist
   *     (never did, or is already deleted); {@code CONFLICT} when the key was used by a change;
   *     {@code REFUSED} while another flag lists it as a prerequisite
   */
  public Deleted delete(Deletion deletion) {
    return retrying(deletion.flag(), tx -> tryDelete(tx, deletion));
  }

  /** Null when another writer changed the flag first (the caller retries). */
  private Deleted tryDelete(DSLContext tx, Deletion deletion) {
    var done =
        tx.select(FLAG_NAME, VERSION, DELETED)
            .from(CHANGE)
            .where(KEY.eq(deletion.idempotencyKey()))
            .fetchOptional();
    if (done.isPresent()) {
      if (!done.get().value3() || !done.get().value1().equals(deletion.flag())) {
        throw FailureType.CONFLICT.permanent(
            "idempotency key '" + deletion.idempotencyKey() + "' was used for another change");
      }
      return new Deleted(new FlagDeletion(deletion.flag(), done.get().value2()), false);
    }
    Optional<FlagDefinition> current =
        tx.select(DEFINITION)
            .from(FLAG)
            .where(NAME.eq(deletion.flag()))
            .fetchOptional(r -> FlagCodec.fromJson(r.value1().data()));
    if (current.isEmpty()) {
      throw FailureType.NOT_FOUND.permanent("flag '" + deletion.flag() + "' does not exist");
    }
    FlagDefinition before = current.get();
    List<String> dependents =
        byName(tx).values().stream()
            .filter(f -> f.prerequisites().stream().anyMatch(p -> p.flag().equals(deletion.flag())))
            .map(FlagDefinition::name)
            .sorted()
            .toList();
    if (!dependents.isEmpty()) {
      throw FailureType.REFUSED.permanent(
          "flag '"
              + deletion.flag()
              + "' is a prerequisite of "
              + String.join(", ", dependents)
              + "; remove it from their prerequisites first");
    }
    int rows =
        tx.deleteFrom(FLAG)
            .where(NAME.eq(deletion.flag()).and(VERSION.eq(before.version())))
            .execute();
    if (rows == 0) {
      return null;
    }
    long version = before.version() + 1;
    tx.insertInto(CHANGE)
        .columns(FLAG_NAME, VERSION, KEY, ACTOR, REASON, DEFINITION, DELETED)
        .values(
            deletion.flag(),
            version,
            deletion.idempotencyKey(),
            deletion.actor(),
            deletion.reason(),
            JSONB.valueOf(FlagCodec.toJson(before)),
            true)
        .execute();
    AuditActivitiesImpl.append(
        tx,
        new AuditEntry(
            "flag-deleted/" + deletion.idempotencyKey(),
            null,
            deletion.actor(),
            "flag-deleted",
            deletion.flag()
                + " v"
                + version
                + ": deleted at "
                + before.rolloutPercent()
                + " %"
                + (before.killed() ? ", killed" : before.enabled() ? "" : ", disabled")
                + (deletion.reason() == null ? "" : " (" + deletion.reason() + ")"),
            clock.millis()));
    return new Deleted(new FlagDeletion(deletion.flag(), version), true);
  }

  /**
   * Every deleted flag not created again, at its deletion's version: what Redis must not hold (the
   * publisher's reseed removes them).
   */
  public List<FlagDeletion> deletions() {
    return db.select(FLAG_NAME, DSL.max(VERSION))
        .from(CHANGE)
        .where(DELETED.isTrue())
        .and(
            DSL.notExists(
                DSL.selectOne()
                    .from(FLAG)
                    .where(
                        field(name("rollgate_flag", "name"), String.class)
                            .eq(field(name("rollgate_flag_change", "flag"), String.class)))))
        .groupBy(FLAG_NAME)
        .orderBy(FLAG_NAME)
        .fetch(r -> new FlagDeletion(r.value1(), r.value2()));
  }

  static String summary(FlagDefinition before, FlagDefinition after) {
    StringBuilder sb = new StringBuilder();
    if (before.rolloutBasisPoints() != after.rolloutBasisPoints()) {
      sb.append("rollout ")
          .append(before.rolloutPercent())
          .append(" % -> ")
          .append(after.rolloutPercent())
          .append(" %; ");
    }
    if (before.killed() != after.killed()) {
      sb.append(after.killed() ? "kill switch ON; " : "kill switch off; ");
    }
    if (before.enabled() != after.enabled()) {
      sb.append(after.enabled() ? "enabled; " : "disabled; ");
    }
    if (!before.rules().equals(after.rules())
        || !before.allowUsers().equals(after.allowUsers())
        || !before.denyUsers().equals(after.denyUsers())) {
      sb.append("targeting changed; ");
    }
    if (!before.prerequisites().equals(after.prerequisites())) {
      sb.append("prerequisites changed; ");
    }
    if (before.type() != after.type()) {
      sb.append("type ").append(before.type()).append(" -> ").append(after.type()).append("; ");
    }
    if (before.variationType() != after.variationType()
        || !before.variants().equals(after.variants())
        || !java.util.Objects.equals(before.offVariant(), after.offVariant())
        || !java.util.Objects.equals(before.defaultVariant(), after.defaultVariant())
        || !java.util.Objects.equals(before.variantSalt(), after.variantSalt())) {
      sb.append("variants ")
          .append(
              after.variants().stream()
                  .map(v -> v.name() + " " + v.weightPercent() + " %")
                  .collect(java.util.stream.Collectors.joining(", ", "[", "]")))
          .append("; ");
    }
    return sb.isEmpty() ? "no change" : sb.substring(0, sb.length() - 2);
  }
}
