package dev.rollgate.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.SqlStep.Execution;
import dev.rollgate.workflows.migration.VerifyCheck;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQL the planner renders, run for real on embedded PostgreSQL 18 and on the older major {@link
 * #OLDER} (rendered for each server's major, so the older NOT NULL path runs on a real older
 * server), one operation at a time on a fresh database: expand, a plain test-side fill of each
 * backfill, after-backfill, verify (every check counts 0), contract; and rollback before anything
 * ran, then expand, fill, after-backfill and rollback (twice: it is idempotent), each leaving the
 * catalogue exactly as it was. 58 cases on two servers (one per major, reused) take about a minute.
 * The executor's lock discipline and batching are the workflow's (tested there); here each step
 * runs once, the way its {@link Execution} says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationSqlTest {
  /** The older major (zonky's binaries, copied by the build into target/older-postgres). */
  static final int OLDER = 17;

  private static final Path OLDER_BINARIES =
      Path.of("target", "older-postgres", "postgres-binaries.jar");
  private static final AtomicInteger DATABASES = new AtomicInteger();

  /** One server per major, started when a case first needs it and reused. */
  private final Map<Integer, EmbeddedPostgres> servers = new ConcurrentHashMap<>();

  EmbeddedPostgres server(int major) throws IOException {
    EmbeddedPostgres running = servers.get(major);
    if (running == null) {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      if (major == OLDER) {
        builder.setPgBinaryResolver(MigrationSqlTest::olderBinaries);
      }
      running = builder.start();
      servers.put(major, running);
    }
    return running;
  }

  /** The older major's archive, out of the binaries jar the build copied. */
  private static InputStream olderBinaries(String system, String hardware) throws IOException {
    if (!Files.isRegularFile(OLDER_BINARIES)) {
      throw new IOException(
          OLDER_BINARIES.toAbsolutePath()
              + " is missing: the build copies it (mvn -pl activities generate-test-resources)");
    }
    try (ZipFile jar = new ZipFile(OLDER_BINARIES.toFile())) {
      ZipEntry entry =
          jar.getEntry(
              "postgres-" + system.toLowerCase(java.util.Locale.ROOT) + "-" + hardware + ".txz");
      if (entry == null) {
        throw new IOException(
            "no PostgreSQL " + OLDER + " binaries for " + system + "-" + hardware);
      }
      try (InputStream in = jar.getInputStream(entry)) {
        return new ByteArrayInputStream(in.readAllBytes());
      }
    }
  }

  @AfterAll
  void stop() throws IOException {
    for (EmbeddedPostgres server : servers.values()) {
      server.close();
    }
  }

  /** A fresh database holding {@link MigrationPlans#SCHEMA} on the server of {@code major}. */
  DataSource freshDatabase(int major) throws SQLException, IOException {
    EmbeddedPostgres postgres = server(major);
    String name = "shop_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    DataSource ds = postgres.getDatabase("postgres", name);
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      assertThat(count(c, "SELECT current_setting('server_version_num')::int / 10000"))
          .as("the server's major")
          .isEqualTo(major);
      st.execute(MigrationPlans.SCHEMA);
    }
    return ds;
  }

  /** Operation, the server's major, the major the plan is rendered for. */
  static Stream<Arguments> operations() {
    List<Arguments> args = new ArrayList<>();
    for (int server : List.of(18, OLDER)) {
      MigrationPlans.OPERATIONS.keySet().forEach(op -> args.add(Arguments.of(op, server, server)));
    }
    // the NOT NULL path of servers before 18 (CHECK ... NOT VALID, VALIDATE, SET NOT NULL) also
    // runs on 18
    args.add(Arguments.of("set_not_null", 18, 15));
    return args.stream();
  }

  @ParameterizedTest(name = "{0} on PostgreSQL {1}, rendered for {2}")
  @MethodSource("operations")
  void eachOperationRunsExpandToContract(String operation, int server, int major) throws Exception {
    DataSource ds = freshDatabase(server);
    PlannedMigration p = MigrationPlans.render(operation, major);
    try (Connection c = ds.getConnection()) {
      for (VerifyCheck check : p.preflight()) {
        assertThat(count(c, check.sql())).as("preflight: %s", check.description()).isZero();
      }
      run(c, p.expand());
      fill(c, p.backfills());
      run(c, p.afterBackfill());
      for (VerifyCheck check : p.verify()) {
        assertThat(count(c, check.sql())).as("verify: %s", check.description()).isZero();
      }
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM pg_namespace WHERE nspname = 'public_m_" + operation + "'"))
          .as("the version schema exists between expand and contract")
          .isEqualTo(1);
      run(c, p.contract());
      assertContracted(c, operation);
      assertThat(catalogue(c))
          .noneMatch(line -> line.contains("rg_") || line.contains("public_m_"));
    }
  }

  @ParameterizedTest(name = "{0} on PostgreSQL {1}, rendered for {2}")
  @MethodSource("operations")
  void rollbackLeavesTheCatalogueAsBefore(String operation, int server, int major)
      throws Exception {
    DataSource ds = freshDatabase(server);
    PlannedMigration p = MigrationPlans.render(operation, major);
    try (Connection c = ds.getConnection()) {
      List<String> before = catalogue(c);
      run(c, p.rollback());
      assertThat(catalogue(c)).as("rollback before expand ran").isEqualTo(before);
      run(c, p.expand());
      fill(c, p.backfills());
      run(c, p.afterBackfill());
      assertThat(catalogue(c)).as("expand changed something").isNotEqualTo(before);
      run(c, p.rollback());
      assertThat(catalogue(c)).isEqualTo(before);
      run(c, p.rollback());
      assertThat(catalogue(c)).isEqualTo(before);
    }
  }

  private void assertContracted(Connection c, String operation) throws SQLException {
    switch (operation) {
      case "rename_column" -> {
        assertThat(columns(c, "orders")).contains("state").doesNotContain("status");
      }
      case "change_type" -> {
        assertThat(column(c, "orders", "amount")).startsWith("numeric(12,2)");
        assertThat(count(c, "SELECT count(*) FROM orders WHERE amount = 3.00")).isEqualTo(1);
      }
      case "add_column" -> {
        assertThat(count(c, "SELECT count(*) FROM orders WHERE note = 'legacy ' || id"))
            .isEqualTo(200);
        assertThat(column(c, "orders", "note")).isEqualTo("text false 'none'::text");
      }
      case "set_not_null" -> {
        assertThat(column(c, "orders", "status")).isEqualTo("text true ");
        assertThat(count(c, "SELECT count(*) FROM orders WHERE status = 'unknown'")).isEqualTo(66);
        assertThat(catalogue(c)).noneMatch(l -> l.startsWith("con ") && l.contains("CHECK"));
      }
      case "add_foreign_key", "add_check" -> {
        String name = operation.equals("add_check") ? "orders_id_positive" : "orders_customer_fk";
        assertThat(
                count(
                    c,
                    "SELECT count(*) FROM pg_constraint WHERE conname = '"
                        + name
                        + "' AND convalidated"))
            .isEqualTo(1);
      }
      case "create_index" -> {
        assertThat(
                count(
                    c,
                    "SELECT count(*) FROM pg_index WHERE indexrelid = 'orders_customer_idx'::regclass AND indisvalid"))
            .isEqualTo(1);
      }
      case "add_unique" -> {
        assertThat(
                count(
                    c,
                    "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_name_key' AND contype = 'u'"))
            .isEqualTo(1);
      }
      case "set_default" ->
          assertThat(column(c, "orders", "status")).isEqualTo("text false 'new'::text");
      case "create_table" ->
          assertThat(columns(c, "payments")).containsExactly("id", "order_id", "paid_at");
      case "rename_table" -> {
        assertThat(count(c, "SELECT count(*) FROM clients")).isEqualTo(20);
        assertThat(count(c, "SELECT count(*) FROM pg_class WHERE relname = 'customers'")).isZero();
      }
      case "drop_index" ->
          assertThat(count(c, "SELECT count(*) FROM pg_class WHERE relname = 'orders_legacy_idx'"))
              .isZero();
      case "drop_column" -> assertThat(columns(c, "orders")).doesNotContain("legacy");
      case "drop_table" ->
          assertThat(count(c, "SELECT count(*) FROM pg_class WHERE relname = 'old_audit'"))
              .isZero();
      default -> throw new AssertionError("no check for " + operation);
    }
  }

  // --- a plain executor: each step once, the way its Execution says -------------------------

  static void run(Connection c, List<SqlStep> steps) throws SQLException {
    for (SqlStep step : steps) {
      try {
        if (step.execution() == Execution.CONCURRENT) {
          c.setAutoCommit(true);
          try (Statement st = c.createStatement()) {
            st.execute(step.sql());
          }
        } else {
          c.setAutoCommit(false);
          try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '2s'");
            st.execute(step.sql());
          }
          c.commit();
        }
      } catch (SQLException e) {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
        throw new SQLException(step.description() + ": " + e.getMessage() + "\n" + step.sql(), e);
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  static void fill(Connection c, List<Backfill> backfills) throws SQLException {
    for (Backfill b : backfills) {
      try (Statement st = c.createStatement()) {
        st.executeUpdate("UPDATE \"" + b.schema() + "\".\"" + b.table() + "\" SET " + b.set());
      }
    }
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> columns(Connection c, String table) throws SQLException {
    return lines(
        c,
        "SELECT attname FROM pg_attribute WHERE attrelid = 'public."
            + table
            + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  }

  private static String column(Connection c, String table, String column) throws SQLException {
    return lines(
            c,
            "SELECT format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '"
                + " || coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute AS a"
                + " LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attrelid = 'public."
                + table
                + "'::regclass AND a.attname = '"
                + column
                + "'")
        .getFirst();
  }

  static List<String> lines(Connection c, String sql) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    return lines;
  }

  /**
   * The user-visible catalogue: schemas, relations, columns (type, NOT NULL, default), constraints,
   * indexes, triggers and functions outside the system schemas, sorted.
   */
  static List<String> catalogue(Connection c) throws SQLException {
    String user = "NOT LIKE 'pg\\_%' AND COL <> 'information_schema'";
    List<String> lines =
        lines(
            c,
            "SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname "
                + user.replace("COL", "nspname")
                + " UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text"
                + " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname "
                + user.replace("COL", "n.nspname")
                + " UNION ALL SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '"
                + " || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '"
                + " || coalesce(pg_get_expr(d.adbin, d.adrelid), '')"
                + " FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid"
                + " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                + " LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname "
                + user.replace("COL", "n.nspname")
                + " UNION ALL SELECT 'con ' || conrelid::regclass || ' ' || conname || ' '"
                + " || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint"
                + " WHERE connamespace IN (SELECT oid FROM pg_namespace WHERE nspname "
                + user.replace("COL", "nspname")
                + ") UNION ALL SELECT 'index ' || pg_get_indexdef(indexrelid) || ' ' || indisvalid"
                + " FROM pg_index WHERE indrelid IN (SELECT c.oid FROM pg_class AS c JOIN pg_namespace"
                + " AS n ON n.oid = c.relnamespace WHERE n.nspname "
                + user.replace("COL", "n.nspname")
                + ") UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal"
                + " UNION ALL SELECT 'function ' || p.proname FROM pg_proc AS p JOIN pg_namespace AS n"
                + " ON n.oid = p.pronamespace WHERE n.nspname "
                + user.replace("COL", "n.nspname"));
    Collections.sort(lines);
    return lines;
  }
}
