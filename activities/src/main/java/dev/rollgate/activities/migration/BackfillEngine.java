package dev.rollgate.activities.migration;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.BackfillJob;
import dev.rollgate.workflows.migration.BackfillProgress;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The backfill: keyset batches by primary key over the rows present at its start (the largest key
 * then is recorded as the upper bound), each batch one short transaction that also advances the
 * cursor in {@code rollgate.backfill_cursor}. The cursor row is locked ({@code FOR UPDATE}) and
 * read inside the batch's transaction, so whatever happened before (a killed worker, a timed-out
 * attempt still finishing) no batch is applied twice and none is skipped.
 *
 * <p>The batch size adapts to a target duration (GitLab's batched background migrations: grow when
 * a batch is fast, shrink when slow, halve after a timeout); each transaction has {@code
 * statement_timeout} 1 s. Before each batch it throttles (waits, heartbeating why) while sessions
 * wait for locks on the table, autovacuum (or a VACUUM) runs on it, or a replica's replay lag is
 * over the bound.
 */
final class BackfillEngine {
  static final int FIRST_BATCH = 100;
  static final int MIN_BATCH = 10;
  static final int MAX_BATCH = 50_000;
  static final long TRANSACTION_LIMIT_MILLIS = 1_000;
  static final long THROTTLE_PAUSE_MILLIS = 1_000;

  /** Above this many rows the total is the planner's estimate, not a count. */
  static final long EXACT_COUNT_LIMIT = 1_000_000;

  private BackfillEngine() {}

  /** The cursor row. */
  record Cursor(
      List<String> upper,
      List<String> last,
      long rowsDone,
      long rowsTotal,
      long batches,
      boolean done) {}

  static BackfillProgress slice(
      DatabaseRegistry.Target target, BackfillJob job, Consumer<BackfillProgress> heartbeat) {
    Backfill b = job.backfill();
    String table = b.schema() + "." + b.table();
    try (Connection c = target.open()) {
      try (Statement s = c.createStatement()) {
        s.execute("SET application_name = 'rollgate-backfill'");
      }
      TargetSql.ensureSchema(c);
      List<TargetSql.KeyColumn> key = TargetSql.primaryKey(c, b.schema(), b.table());
      List<String> names = key.stream().map(TargetSql.KeyColumn::name).toList();
      if (!names.equals(b.keyColumns())) {
        throw dev.rollgate.workflows.FailureType.INVALID_INPUT.permanent(
            table + "'s primary key is " + names + ", the plan says " + b.keyColumns());
      }
      Sql sql = new Sql(b, key);
      // the engine's own reads never queue behind a waiting DDL either
      try (Statement s = c.createStatement()) {
        s.execute(
            "SET lock_timeout = '"
                + Math.min(job.batchTargetMillis(), TRANSACTION_LIMIT_MILLIS)
                + "ms'");
      }
      int size = job.batchSize() > 0 ? job.batchSize() : FIRST_BATCH;
      long sliceStart = System.nanoTime();
      long sliceEnd = sliceStart + job.sliceMillis() * 1_000_000;
      long workNanos = 0;
      long rowsThisSlice = 0;
      long throttledMillis = 0;
      String throttled = null;
      Cursor cursor = null;
      while (cursor == null) {
        throttled = throttle(c, sql, job.maxReplicaLagMillis());
        if (throttled == null) {
          try {
            cursor = start(c, job, sql);
            break;
          } catch (SQLException e) {
            if (!TargetSql.isTimeout(e)) {
              throw e;
            }
            throttled = "reading the upper bound timed out (" + e.getMessage() + ")";
          }
        }
        BackfillProgress waiting =
            new BackfillProgress(table, 0, 0, 0, size, 0, throttled, throttledMillis, false);
        if (System.nanoTime() >= sliceEnd) {
          return waiting;
        }
        heartbeat.accept(waiting);
        StepExecutor.sleep(THROTTLE_PAUSE_MILLIS);
        throttledMillis += THROTTLE_PAUSE_MILLIS;
      }
      while (!cursor.done() && System.nanoTime() < sliceEnd) {
        throttled = throttle(c, sql, job.maxReplicaLagMillis());
        if (throttled != null) {
          heartbeat.accept(progress(table, cursor, 0, size, throttled, throttledMillis));
          StepExecutor.sleep(THROTTLE_PAUSE_MILLIS);
          throttledMillis += THROTTLE_PAUSE_MILLIS;
          continue;
        }
        long t0 = System.nanoTime();
        long rows;
        try {
          rows = batch(c, job, sql, size);
        } catch (SQLException e) {
          if (!TargetSql.isTimeout(e)) {
            throw e;
          }
          size = Math.max(MIN_BATCH, size / 2);
          throttled = "a batch timed out (" + e.getMessage() + "): batch size halved";
          heartbeat.accept(progress(table, cursor, 0, size, throttled, throttledMillis));
          continue;
        }
        long took = System.nanoTime() - t0;
        workNanos += took;
        rowsThisSlice += rows;
        size = adapt(size, took / 1_000_000.0, job.batchTargetMillis());
        cursor = read(c, job, false);
        double rate = workNanos == 0 ? 0 : rowsThisSlice / (workNanos / 1e9);
        heartbeat.accept(progress(table, cursor, rate, size, null, throttledMillis));
      }
      double rate = workNanos == 0 ? 0 : rowsThisSlice / (workNanos / 1e9);
      return progress(table, cursor, rate, size, cursor.done() ? null : throttled, throttledMillis);
    } catch (SQLException e) {
      throw TargetSql.failure("backfill of " + table, e);
    }
  }

  /**
   * GitLab's rule, simplified: the next size is the current one scaled by target / measured,
   * bounded to halving or doubling per batch and to {@link #MIN_BATCH}..{@link #MAX_BATCH}.
   */
  static int adapt(int size, double tookMillis, long targetMillis) {
    double factor = tookMillis <= 0 ? 2 : Math.max(0.5, Math.min(2, targetMillis / tookMillis));
    return (int) Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.round(size * factor)));
  }

  private static BackfillProgress progress(
      String table, Cursor cursor, double rate, int size, String throttled, long throttledMillis) {
    return new BackfillProgress(
        table,
        cursor.rowsDone(),
        Math.max(cursor.rowsTotal(), cursor.rowsDone()),
        rate,
        size,
        cursor.batches(),
        throttled,
        throttledMillis,
        cursor.done());
  }

  /** Reads the cursor, or records the upper bound and the total on the first slice. */
  private static Cursor start(Connection c, BackfillJob job, Sql sql) throws SQLException {
    Cursor existing = read(c, job, false);
    if (existing != null) {
      return existing;
    }
    List<String> upper = null;
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql.upperBound)) {
      if (r.next()) {
        upper = new ArrayList<>();
        for (int i = 1; i <= sql.key.size(); i++) {
          upper.add(r.getString(i));
        }
      }
    }
    long total = 0;
    if (upper != null) {
      long estimate;
      try (PreparedStatement p =
          c.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
        p.setString(1, sql.relation);
        try (ResultSet r = p.executeQuery()) {
          r.next();
          estimate = r.getLong(1);
        }
      }
      if (estimate > EXACT_COUNT_LIMIT) {
        total = estimate;
      } else {
        try (PreparedStatement p = c.prepareStatement(sql.count)) {
          sql.bind(p, 1, upper);
          try (ResultSet r = p.executeQuery()) {
            r.next();
            total = r.getLong(1);
          }
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO rollgate.backfill_cursor (migration, idx, table_name, upper_bound,"
                + " rows_total, done) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      p.setString(1, job.migration());
      p.setInt(2, job.index());
      p.setString(3, sql.relation);
      p.setArray(4, upper == null ? null : c.createArrayOf("text", upper.toArray()));
      p.setLong(5, total);
      p.setBoolean(6, upper == null);
      p.executeUpdate();
    }
    return read(c, job, false);
  }

  private static Cursor read(Connection c, BackfillJob job, boolean forUpdate) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT upper_bound, last_key, rows_done, rows_total, batches, done"
                + " FROM rollgate.backfill_cursor WHERE migration = ? AND idx = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
      p.setString(1, job.migration());
      p.setInt(2, job.index());
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        return new Cursor(
            strings(r.getArray(1)),
            strings(r.getArray(2)),
            r.getLong(3),
            r.getLong(4),
            r.getLong(5),
            r.getBoolean(6));
      }
    }
  }

  private static List<String> strings(Array a) throws SQLException {
    return a == null ? null : List.of((String[]) a.getArray());
  }

  /** One batch and its cursor, in one transaction; returns the rows updated. */
  private static long batch(Connection c, BackfillJob job, Sql sql, int size) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL statement_timeout = '" + TRANSACTION_LIMIT_MILLIS + "ms'");
      s.execute(
          "SET LOCAL lock_timeout = '"
              + Math.min(job.batchTargetMillis(), TRANSACTION_LIMIT_MILLIS)
              + "ms'");
      Cursor cursor = read(c, job, true);
      if (cursor == null || cursor.done()) {
        c.rollback();
        return 0;
      }
      List<String> end = null;
      try (PreparedStatement p =
          c.prepareStatement(cursor.last() == null ? sql.firstEnd : sql.nextEnd)) {
        int i = 1;
        if (cursor.last() != null) {
          i = sql.bind(p, i, cursor.last());
        }
        i = sql.bind(p, i, cursor.upper());
        p.setInt(i, size - 1);
        try (ResultSet r = p.executeQuery()) {
          if (r.next()) {
            end = new ArrayList<>();
            for (int k = 1; k <= sql.key.size(); k++) {
              end.add(r.getString(k));
            }
          }
        }
      }
      if (end == null) {
        end = cursor.upper();
      }
      long rows;
      try (PreparedStatement p =
          c.prepareStatement(cursor.last() == null ? sql.firstUpdate : sql.nextUpdate)) {
        int i = 1;
        if (cursor.last() != null) {
          i = sql.bind(p, i, cursor.last());
        }
        sql.bind(p, i, end);
        rows = p.executeUpdate();
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "UPDATE rollgate.backfill_cursor SET last_key = ?, rows_done = rows_done + ?,"
                  + " batches = batches + 1, done = ?, updated_at = now()"
                  + " WHERE migration = ? AND idx = ?")) {
        p.setArray(1, c.createArrayOf("text", end.toArray()));
        p.setLong(2, rows);
        p.setBoolean(3, end.equals(cursor.upper()));
        p.setString(4, job.migration());
        p.setInt(5, job.index());
        p.executeUpdate();
      }
      c.commit();
      return rows;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is gone: the transaction is rolled back by the server
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(true);
      } catch (SQLException ignored) {
        // reported by the next statement
      }
    }
  }

  /** Why the backfill should wait before its next batch, or null. */
  private static String throttle(Connection c, Sql sql, long maxReplicaLagMillis)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT (SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass(?)),"
                + " (SELECT string_agg(CASE WHEN a.backend_type = 'autovacuum worker'"
                + " THEN 'autovacuum' ELSE 'VACUUM (pid ' || v.pid || ')' END, ', ')"
                + " FROM pg_stat_progress_vacuum v LEFT JOIN pg_stat_activity a ON a.pid = v.pid"
                + " WHERE v.relid = to_regclass(?)),"
                + " (SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) * 1000"
                + " FROM pg_stat_replication)")) {
      p.setString(1, sql.relation);
      p.setString(2, sql.relation);
      try (ResultSet r = p.executeQuery()) {
        r.next();
        long waiters = r.getLong(1);
        if (waiters > 0) {
          return waiters
              + (waiters == 1 ? " session waits" : " sessions wait")
              + " for a lock on "
              + sql.table;
        }
        String vacuum = r.getString(2);
        if (vacuum != null) {
          return vacuum + " running on " + sql.table;
        }
        double lag = r.getDouble(3);
        if (maxReplicaLagMillis > 0 && lag > maxReplicaLagMillis) {
          return String.format(
              Locale.ROOT, "replica lag %.0f s > %d s", lag / 1000, maxReplicaLagMillis / 1000);
        }
        return null;
      }
    }
  }

  /** The statements of one backfill, identifiers quoted through jOOQ. */
  static final class Sql {
    final List<TargetSql.KeyColumn> key;
    final String table;
    final String relation;
    final String upperBound;
    final String count;
    final String firstEnd;
    final String nextEnd;
    final String firstUpdate;
    final String nextUpdate;

    Sql(Backfill b, List<TargetSql.KeyColumn> key) {
      this.key = key;
      this.table = b.schema() + "." + b.table();
      this.relation = TargetSql.quoted(b.schema(), b.table());
      String cols =
          key.stream().map(k -> TargetSql.quoted(k.name())).collect(Collectors.joining(", "));
      String row = "(" + cols + ")";
      String params =
          "("
              + key.stream()
                  .map(k -> "CAST(? AS " + k.type() + ")")
                  .collect(Collectors.joining(", "))
              + ")";
      // aliased: ORDER BY "line" would otherwise sort by the text output column, not the key
      String asText =
          java.util.stream.IntStream.range(0, key.size())
              .mapToObj(i -> TargetSql.quoted(key.get(i).name()) + "::text AS k" + i)
              .collect(Collectors.joining(", "));
      String desc =
          key.stream()
              .map(k -> TargetSql.quoted(k.name()) + " DESC")
              .collect(Collectors.joining(", "));
      upperBound = "SELECT " + asText + " FROM " + relation + " ORDER BY " + desc + " LIMIT 1";
      count = "SELECT count(*) FROM " + relation + " WHERE " + row + " <= " + params;
      String end = " ORDER BY " + cols + " OFFSET ? LIMIT 1";
      firstEnd = "SELECT " + asText + " FROM " + relation + " WHERE " + row + " <= " + params + end;
      nextEnd =
          "SELECT " + asText + " FROM " + relation + " WHERE " + row + " > " + params + " AND "
              + row + " <= " + params + end;
      String update = "UPDATE " + relation + " SET " + b.set() + " WHERE ";
      firstUpdate = update + row + " <= " + params;
      nextUpdate = update + row + " > " + params + " AND " + row + " <= " + params;
    }

    /** Binds a key's values from {@code index}; returns the next index. */
    int bind(PreparedStatement p, int index, List<String> values) throws SQLException {
      for (String v : values) {
        p.setString(index++, v);
      }
      return index;
    }
  }
}
