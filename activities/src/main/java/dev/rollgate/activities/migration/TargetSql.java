package dev.rollgate.activities.migration;

import dev.rollgate.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * SQL helpers shared by the migration executor and the backfill: identifiers quoted through jOOQ,
 * Rollgate's own schema in the target database, the catalogue's primary keys, and how PostgreSQL
 * errors are classified.
 */
final class TargetSql {
  /** SQLSTATE lock_not_available: {@code lock_timeout} expired. */
  static final String LOCK_TIMEOUT = "55P03";

  /** SQLSTATE query_canceled: {@code statement_timeout} expired (or a cancel request). */
  static final String QUERY_CANCELED = "57014";

  private static final DSLContext RENDER =
      DSL.using(
          SQLDialect.POSTGRES, new Settings().withRenderQuotedNames(RenderQuotedNames.ALWAYS));

  private TargetSql() {}

  /** {@code "schema"."name"}, quoted by jOOQ. */
  static String quoted(String... parts) {
    return RENDER.render(DSL.name(parts));
  }

  /**
   * Creates Rollgate's schema in the target database (idempotent): {@code rollgate.migration_steps}
   * (a step's idempotency key, written in the step's own transaction) and {@code
   * rollgate.backfill_cursor} (each backfill's upper bound and cursor, written with each batch).
   */
  static void ensureSchema(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS rollgate");
      s.execute(
          "CREATE TABLE IF NOT EXISTS rollgate.migration_steps ("
              + " key text PRIMARY KEY, description text NOT NULL,"
              + " done_at timestamptz NOT NULL DEFAULT now())");
      s.execute(
          "CREATE TABLE IF NOT EXISTS rollgate.backfill_cursor ("
              + " migration text NOT NULL, idx int NOT NULL, table_name text NOT NULL,"
              + " upper_bound text[], last_key text[], rows_done bigint NOT NULL DEFAULT 0,"
              + " rows_total bigint NOT NULL, batches bigint NOT NULL DEFAULT 0,"
              + " done boolean NOT NULL DEFAULT false,"
              + " started_at timestamptz NOT NULL DEFAULT now(),"
              + " updated_at timestamptz NOT NULL DEFAULT now(),"
              + " PRIMARY KEY (migration, idx))");
    } catch (SQLException e) {
      // two sessions creating the schema at once: the loser sees a unique violation; it exists now
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw e;
      }
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** A primary key column and its type as the catalogue formats it. */
  record KeyColumn(String name, String type) {}

  /**
   * The primary key of {@code schema.table}, in key order; non-retryable {@code NOT_FOUND} when the
   * table does not exist and {@code INVALID_INPUT} when it has no primary key.
   */
  static List<KeyColumn> primaryKey(Connection c, String schema, String table) throws SQLException {
    String relation = quoted(schema, table);
    try (PreparedStatement p = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      p.setString(1, relation);
      try (ResultSet r = p.executeQuery()) {
        r.next();
        if (!r.getBoolean(1)) {
          throw FailureType.NOT_FOUND.permanent(
              "table " + schema + "." + table + " does not exist");
        }
      }
    }
    List<KeyColumn> key = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
                + " FROM pg_index i JOIN pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisprimary"
                + " ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
      p.setString(1, relation);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          key.add(new KeyColumn(r.getString(1), r.getString(2)));
        }
      }
    }
    if (key.isEmpty()) {
      throw FailureType.INVALID_INPUT.permanent(
          "table "
              + schema
              + "."
              + table
              + " has no primary key: a backfill needs one (keyset batches by primary key)");
    }
    return key;
  }

  /** Whether {@code e} (or a cause) is a lock or statement timeout. */
  static boolean isTimeout(SQLException e) {
    return LOCK_TIMEOUT.equals(e.getSQLState()) || QUERY_CANCELED.equals(e.getSQLState());
  }

  /** Connection failures and server shutdowns: retried by Temporal. */
  static boolean isTransient(SQLException e) {
    String state = e.getSQLState();
    return state == null
        || state.startsWith("08")
        || state.startsWith("57P")
        || state.equals("53300")
        || state.equals("40001")
        || state.equals("40P01");
  }

  /** A failed statement as a Temporal failure: transient ones retried, the rest permanent. */
  static ApplicationFailure failure(String doing, SQLException e) {
    String message = doing + ": " + e.getMessage();
    return isTransient(e)
        ? FailureType.UNAVAILABLE.transientFailure(message, e)
        : FailureType.INVALID_INPUT.permanent(message);
  }
}
