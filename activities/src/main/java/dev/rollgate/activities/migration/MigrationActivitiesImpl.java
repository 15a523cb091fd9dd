package dev.rollgate.activities.migration;

import dev.rollgate.activities.backup.BackupStore;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.DrillRecord;
import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.BackfillJob;
import dev.rollgate.workflows.migration.BackfillProgress;
import dev.rollgate.workflows.migration.MigrationActivities;
import dev.rollgate.workflows.migration.MigrationPreflight;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.RollbackJob;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.StepJob;
import dev.rollgate.workflows.migration.VerifyCheck;
import dev.rollgate.workflows.migration.VerifyResult;
import dev.rollgate.workflows.migration.plan.InvalidPlanException;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import io.temporal.activity.Activity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Migrations on registered PostgreSQL databases (credentials through the registry's secrets). */
public class MigrationActivitiesImpl implements MigrationActivities {
  private static final Logger log = LoggerFactory.getLogger(MigrationActivitiesImpl.class);

  /** Transactions open longer than this are reported by preflight. */
  static final Duration LONG_TRANSACTION = Duration.ofMinutes(1);

  /**
   * A lock on a plan's table held in a transaction open longer than this blocks preflight: longer
   * than any DDL attempt's lock_timeout, not an application's short statement.
   */
  static final Duration LOCK_HOLDER_AGE = Duration.ofSeconds(1);

  private final DatabaseRegistry registry;
  private final BackupStore backups;
  private final Duration longTransaction;

  public MigrationActivitiesImpl(DatabaseRegistry registry, BackupStore backups) {
    this(registry, backups, LONG_TRANSACTION);
  }

  /** With another threshold for long-running transactions (tests cannot wait a minute). */
  MigrationActivitiesImpl(
      DatabaseRegistry registry, BackupStore backups, Duration longTransaction) {
    this.registry = registry;
    this.backups = backups;
    this.longTransaction = longTransaction;
  }

  private static Consumer<Object> heartbeat() {
    return details -> Activity.getExecutionContext().heartbeat(details);
  }

  @Override
  public PlannedMigration render(String database, MigrationPlan plan) {
    DatabaseRegistry.Target target = registry.target(database);
    int major;
    try (Connection c = target.open();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
      r.next();
      major = r.getInt(1);
    } catch (SQLException e) {
      throw TargetSql.failure("reading the server version of " + database, e);
    }
    try {
      return MigrationPlanner.render(plan, database, major);
    } catch (InvalidPlanException e) {
      throw FailureType.INVALID_INPUT.permanent(
          "plan " + plan.name() + " for PostgreSQL " + major + ": " + e.getMessage());
    }
  }

  @Override
  public MigrationPreflight preflight(PlannedMigration plan) {
    DatabaseRegistry.Target target = registry.target(plan.database());
    try (Connection c = target.open()) {
      TargetSql.ensureSchema(c);
      String version;
      int major;
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT current_setting('server_version'),"
                      + " current_setting('server_version_num')::int / 10000")) {
        r.next();
        version = r.getString(1);
        major = r.getInt(2);
      }
      for (Backfill b : plan.backfills()) {
        TargetSql.primaryKey(c, b.schema(), b.table());
      }
      List<String> failed = new ArrayList<>();
      for (VerifyCheck check : plan.preflight()) {
        try (Statement s = c.createStatement();
            ResultSet r = s.executeQuery(check.sql())) {
          long n = r.next() ? r.getLong(1) : 0;
          if (n != 0) {
            failed.add(check.description() + " (" + n + ")");
          }
        }
      }
      if (!failed.isEmpty()) {
        throw FailureType.INVALID_INPUT.permanent(
            "preflight refused the plan: " + String.join("; ", failed));
      }
      List<String> blockers = new ArrayList<>();
      List<String> found = findings(c, plan.tables(), longTransaction, blockers);
      return new MigrationPreflight(version, major, found, blockers);
    } catch (SQLException e) {
      throw TargetSql.failure("preflight of " + plan.database(), e);
    }
  }

  /**
   * Long-running transactions, lock holders on the tables, replica replay lag; adds to {@code
   * blockers} those that stop the migration ({@link MigrationPreflight#blockers()}): long-running
   * transactions of client sessions in this database, and locks on the tables held in transactions
   * open longer than {@link #LOCK_HOLDER_AGE} (or the long-transaction threshold if shorter).
   */
  static List<String> findings(
      Connection c, List<String> tables, Duration longTransaction, List<String> blockers)
      throws SQLException {
    List<String> found = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT pid, usename, date_trunc('second', now() - xact_start)::text,"
                + " coalesce(state, ''), left(coalesce(query, ''), 80),"
                + " datname = current_database() AND backend_type = 'client backend'"
                + " FROM pg_stat_activity"
                + " WHERE xact_start < now() - make_interval(secs => ? / 1000.0)"
                + " AND pid <> pg_backend_pid() ORDER BY xact_start")) {
      p.setLong(1, longTransaction.toMillis());
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          String line =
              String.format(
                  Locale.ROOT,
                  "long-running transaction: pid %d (%s) open for %s, %s: %s",
                  r.getInt(1),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  r.getString(5));
          found.add(line);
          if (r.getBoolean(6)) {
            blockers.add(line);
          }
        }
      }
    }
    for (String table : tables) {
      int dot = table.indexOf('.');
      String relation =
          dot < 0
              ? TargetSql.quoted(table)
              : TargetSql.quoted(table.substring(0, dot), table.substring(dot + 1));
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT l.pid, a.usename, l.mode, date_trunc('second', now() - a.xact_start)::text,"
                  + " a.xact_start < now() - make_interval(secs => ? / 1000.0)"
                  + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                  + " WHERE l.granted AND l.relation = to_regclass(?)"
                  + " AND l.database = (SELECT oid FROM pg_database"
                  + " WHERE datname = current_database())"
                  + " AND l.pid <> pg_backend_pid()")) {
        p.setLong(1, Math.min(LOCK_HOLDER_AGE.toMillis(), longTransaction.toMillis()));
        p.setString(2, relation);
        try (ResultSet r = p.executeQuery()) {
          while (r.next()) {
            String line =
                String.format(
                    Locale.ROOT,
                    "lock holder on %s: pid %d (%s) holds %s, transaction open for %s",
                    table,
                    r.getInt(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4));
            found.add(line);
            if (r.getBoolean(5)) {
              blockers.add(line);
            }
          }
        }
      }
    }
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT application_name, coalesce(extract(epoch FROM replay_lag), 0)"
                    + " FROM pg_stat_replication")) {
      while (r.next()) {
        found.add(
            String.format(
                Locale.ROOT, "replica %s: replay lag %.1f s", r.getString(1), r.getDouble(2)));
      }
    }
    return found;
  }

  @Override
  public String execute(StepJob job) {
    StepExecutor.Outcome outcome =
        StepExecutor.run(registry.target(job.database()), job, heartbeat());
    log.info(
        "{}: {} after {} attempt(s)",
        job.step().description(),
        outcome.words(),
        outcome.attempts());
    return outcome.words()
        + (outcome.attempts() > 1 ? " (after " + outcome.attempts() + " attempts)" : "");
  }

  @Override
  public BackfillProgress backfill(BackfillJob job) {
    Consumer<Object> beat = heartbeat();
    return BackfillEngine.slice(registry.target(job.database()), job, beat::accept);
  }

  @Override
  public List<VerifyResult> verify(String database, List<VerifyCheck> checks) {
    DatabaseRegistry.Target target = registry.target(database);
    List<VerifyResult> results = new ArrayList<>();
    try (Connection c = target.open()) {
      c.setReadOnly(true);
      Consumer<Object> beat = heartbeat();
      for (VerifyCheck check : checks) {
        beat.accept(check.description());
        try (Statement s = c.createStatement()) {
          StepExecutor.watched(s, check.sql(), beat, () -> "verify: " + check.description());
          ResultSet r = s.getResultSet();
          if (r == null || !r.next()) {
            throw FailureType.INVALID_INPUT.permanent(
                "verify check '" + check.description() + "' returned no row");
          }
          results.add(new VerifyResult(check.description(), r.getLong(1)));
        }
      }
      return results;
    } catch (SQLException e) {
      throw TargetSql.failure("verify of " + database, e);
    }
  }

  @Override
  public BackupInfo verifiedBackup(String database, long newerThanMillis) {
    return backups.list(database).stream()
        .filter(b -> b.status().equals("COMPLETED"))
        .filter(b -> b.verifiedAtMillis() != null && b.sha256() != null)
        .filter(b -> b.startedAtMillis() > newerThanMillis)
        .findFirst()
        .orElse(null);
  }

  /** How many rejected candidates {@link #whyNoBackup} names. */
  static final int CANDIDATES_NAMED = 5;

  @Override
  public String whyNoBackup(String database, long newerThanMillis) {
    Instant since = Instant.ofEpochMilli(newerThanMillis);
    List<BackupInfo> all = backups.list(database);
    if (all.isEmpty()) {
      return "no backup of database " + database + " since " + since;
    }
    Set<String> failedDrills =
        backups.drills(database).stream()
            .filter(d -> !d.passed())
            .map(DrillRecord::backupId)
            .collect(Collectors.toSet());
    List<String> lines = new ArrayList<>();
    for (BackupInfo b : all.subList(0, Math.min(CANDIDATES_NAMED, all.size()))) {
      List<String> why = new ArrayList<>();
      if (!b.status().equals("COMPLETED")) {
        why.add(b.status());
      }
      if (b.sha256() == null) {
        why.add("no checksum");
      }
      if (b.verifiedAtMillis() == null) {
        why.add(
            failedDrills.contains(b.backupId())
                ? "its drill failed"
                : "not verified (no restore or drill)");
      }
      if (b.startedAtMillis() <= newerThanMillis) {
        why.add("older than expand (started " + Instant.ofEpochMilli(b.startedAtMillis()) + ")");
      }
      lines.add(b.backupId() + ": " + (why.isEmpty() ? "qualifies" : String.join(", ", why)));
    }
    if (all.size() > CANDIDATES_NAMED) {
      lines.add((all.size() - CANDIDATES_NAMED) + " older not shown");
    }
    return "rejected backups of " + database + ": " + String.join("; ", lines);
  }

  @Override
  public String rollback(RollbackJob job) {
    DatabaseRegistry.Target target = registry.target(job.database());
    int ran = 0;
    for (SqlStep step : job.steps()) {
      StepExecutor.run(
          target,
          new StepJob(
              job.database(),
              step,
              null,
              job.lockTimeoutMillis(),
              job.statementTimeoutMillis(),
              job.retryBudgetMillis()),
          heartbeat());
      ran++;
    }
    try (Connection c = target.open()) {
      TargetSql.ensureSchema(c);
      try (PreparedStatement p =
          c.prepareStatement("DELETE FROM rollgate.backfill_cursor WHERE migration = ?")) {
        p.setString(1, job.migration());
        p.executeUpdate();
      }
    } catch (SQLException e) {
      throw TargetSql.failure("rollback of " + job.database(), e);
    }
    return ran + " rollback step" + (ran == 1 ? "" : "s") + " run";
  }
}
