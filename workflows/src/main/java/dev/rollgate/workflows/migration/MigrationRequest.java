package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.release.ReleaseState;
import java.time.Duration;
import java.util.List;

/**
 * Starts a migration ({@code migration/<database>/<name>}).
 *
 * @param database the registered target database
 * @param name the migration's name (lower-case identifier)
 * @param initiator who starts it (may not approve its switch)
 * @param planned the plan already rendered for the server, or null when {@code plan} is given
 * @param plan the plan as written (the CLI's plan file); the workflow's first step renders it for
 *     the server's major version; null when {@code planned} is given
 * @param approvals approvals the switch needs before contract (0 = none)
 * @param soak how long the switch holds before contract (null or zero = none); days are fine, the
 *     hold continues as new inside
 * @param withoutBackup null: contract waits for a verified backup newer than expand; else the
 *     audited reason to contract without one
 * @param lockTimeout per DDL attempt (null: 500 ms)
 * @param ddlBudget how long a DDL step retries lock timeouts (null: 10 min)
 * @param batchTarget target duration of one backfill batch (null: 500 ms; 50 ms..1 s)
 * @param slice how long one backfill activity runs (null: 5 min)
 * @param maxReplicaLag throttle the backfill while a replica lags more (null: 10 s)
 * @param carried the state carried across continue-as-new, null on the first run
 */
public record MigrationRequest(
    String database,
    String name,
    String initiator,
    PlannedMigration planned,
    MigrationPlan plan,
    int approvals,
    Duration soak,
    String withoutBackup,
    Duration lockTimeout,
    Duration ddlBudget,
    Duration batchTarget,
    Duration slice,
    Duration maxReplicaLag,
    Carried carried) {

  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMillis(500);
  public static final Duration DEFAULT_DDL_BUDGET = Duration.ofMinutes(10);
  public static final Duration DEFAULT_BATCH_TARGET = Duration.ofMillis(500);
  public static final Duration DEFAULT_SLICE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(10);
  public static final Duration MAX_SOAK = Duration.ofDays(90);

  /**
   * What a migration carries across continue-as-new.
   *
   * @param stage where it is ({@code backfill} or {@code switch}: the steps that continue as new)
   * @param plan the plan as rendered in the first run
   * @param preflight what preflight found
   * @param expandedAtMillis when expand finished (a contract's backup must be newer)
   * @param backfillIndex the backfill in progress
   * @param filled the finished backfills' last progress
   * @param progress the backfill in progress's last progress, or null
   * @param batchTargetMillis the batch target (after resizes)
   * @param verified verify's results, once verified
   * @param kit the kit's state
   */
  public record Carried(
      String stage,
      PlannedMigration plan,
      MigrationPreflight preflight,
      long expandedAtMillis,
      int backfillIndex,
      List<BackfillProgress> filled,
      BackfillProgress progress,
      long batchTargetMillis,
      List<VerifyResult> verified,
      ReleaseState kit) {}

  /** A request with the defaults. */
  public static MigrationRequest of(
      String database, String name, String initiator, PlannedMigration planned) {
    return new MigrationRequest(
        database, name, initiator, planned, null, 0, null, null, null, null, null, null, null,
        null);
  }

  /** A request with the defaults, for a plan the workflow renders for the server. */
  public static MigrationRequest of(
      String database,
      String initiator,
      MigrationPlan plan,
      int approvals,
      Duration soak,
      String withoutBackup) {
    return new MigrationRequest(
        database,
        plan.name(),
        initiator,
        null,
        plan,
        approvals,
        soak,
        withoutBackup,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  public MigrationRequest withSwitch(int approvals, Duration soak) {
    return new MigrationRequest(
        database,
        name,
        initiator,
        planned,
        plan,
        approvals,
        soak,
        withoutBackup,
        lockTimeout,
        ddlBudget,
        batchTarget,
        slice,
        maxReplicaLag,
        carried);
  }

  public MigrationRequest withoutBackup(String reason) {
    return new MigrationRequest(
        database,
        name,
        initiator,
        planned,
        plan,
        approvals,
        soak,
        reason,
        lockTimeout,
        ddlBudget,
        batchTarget,
        slice,
        maxReplicaLag,
        carried);
  }

  public MigrationRequest withSlice(Duration slice) {
    return new MigrationRequest(
        database,
        name,
        initiator,
        planned,
        plan,
        approvals,
        soak,
        withoutBackup,
        lockTimeout,
        ddlBudget,
        batchTarget,
        slice,
        maxReplicaLag,
        carried);
  }

  public MigrationRequest carrying(Carried c) {
    return new MigrationRequest(
        database,
        name,
        initiator,
        planned,
        plan,
        approvals,
        soak,
        withoutBackup,
        lockTimeout,
        ddlBudget,
        batchTarget,
        slice,
        maxReplicaLag,
        c);
  }

  /** The workflow id: {@code migration/<database>/<name>}. */
  public static String workflowId(String database, String name) {
    return MigrationWorkflow.KIND + "/" + database + "/" + name;
  }

  /** Null when {@code name} can name a migration, else why not. */
  public static String nameProblem(String name) {
    if (name == null || name.isBlank()) {
      return "a migration name is required";
    }
    if (!name.matches("[a-z_][a-z0-9_]{0,39}")) {
      return "migration name '"
          + name
          + "' must be a lower-case identifier (letters, digits, '_', at most 40 characters)";
    }
    return null;
  }

  /** Null when {@code target} is {@code DATABASE/NAME}, else why not. */
  public static String targetProblem(String target) {
    int slash = target == null ? -1 : target.indexOf('/');
    if (slash < 0) {
      return "'" + target + "' is not DATABASE/NAME (e.g. orders/amount_numeric)";
    }
    String problem = BackupIds.databaseProblem(target.substring(0, slash));
    return problem != null ? problem : nameProblem(target.substring(slash + 1));
  }

  public long lockTimeoutMillis() {
    return (lockTimeout == null ? DEFAULT_LOCK_TIMEOUT : lockTimeout).toMillis();
  }

  public long ddlBudgetMillis() {
    return (ddlBudget == null ? DEFAULT_DDL_BUDGET : ddlBudget).toMillis();
  }

  public long batchTargetMillis() {
    return (batchTarget == null ? DEFAULT_BATCH_TARGET : batchTarget).toMillis();
  }

  public long sliceMillis() {
    return (slice == null ? DEFAULT_SLICE : slice).toMillis();
  }

  public long maxReplicaLagMillis() {
    return (maxReplicaLag == null ? DEFAULT_MAX_REPLICA_LAG : maxReplicaLag).toMillis();
  }

  /** Null when a batch target is acceptable, else why not. */
  public static String batchTargetProblem(long millis) {
    return millis < 50 || millis > 1000
        ? "a batch target must be between 50 ms and 1000 ms (every backfill transaction stays"
            + " within 1 s), not "
            + millis
            + " ms"
        : null;
  }

  /** Null when the request is valid, else why not (one line). */
  public String problem() {
    String problem = BackupIds.databaseProblem(database);
    if (problem == null) {
      problem = nameProblem(name);
    }
    if (problem != null) {
      return problem;
    }
    if ((planned == null) == (plan == null)) {
      return "a migration needs a plan (or a rendered one, not both)";
    }
    if (plan != null && !name.equals(plan.name())) {
      return "the plan is named " + plan.name() + ", not " + name;
    }
    if (planned != null && (!database.equals(planned.database()) || !name.equals(planned.name()))) {
      return "the plan is for "
          + planned.database()
          + "/"
          + planned.name()
          + ", not "
          + database
          + "/"
          + name;
    }
    if (approvals < 0 || approvals > 10) {
      return "approvals must be between 0 and 10, not " + approvals;
    }
    if (soak != null && (soak.isNegative() || soak.compareTo(MAX_SOAK) > 0)) {
      return "a soak must be between 0 and 90 days";
    }
    if (withoutBackup != null && withoutBackup.isBlank()) {
      return "--without-backup needs a reason";
    }
    if (lockTimeout != null && (lockTimeout.toMillis() < 10 || lockTimeout.toSeconds() > 60)) {
      return "a lock timeout must be between 10 ms and 60 s";
    }
    if (slice != null && (slice.toSeconds() < 1 || slice.toMinutes() > 5)) {
      return "a backfill slice must be between 1 s and 5 min";
    }
    return batchTarget == null ? null : batchTargetProblem(batchTarget.toMillis());
  }
}
