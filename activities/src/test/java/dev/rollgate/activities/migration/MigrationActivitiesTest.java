package dev.rollgate.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.backup.BackupStore;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
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
import dev.rollgate.workflows.migration.VerifyResult;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migration activities as the worker runs them (through Temporal's activity test environment)
 * on embedded PostgreSQL 18, each test on a fresh target database holding {@link
 * MigrationPlans#SCHEMA}, and Rollgate's own database (Flyway) holding real backup rows: render
 * reads the server's version, preflight runs the plan's catalogue checks and reports long
 * transactions and lock holders, verify counts mismatches, the contract's backup must be completed,
 * verified by a drill and newer than expand, rollback removes what expand added; and the
 * versioned-schema scenario on the activities: an old-version and a new-version client ({@code
 * search_path}) write until the real backfill (BackfillEngine, keyset batches) is done, then verify
 * counts 0 and contract keeps every write.
 */
class MigrationActivitiesTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres postgres;
  private static BackupStore backups;

  private String database;
  private DatabaseRegistry registry;
  private TestActivityEnvironment env;
  private MigrationActivities activities;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    Flyway.configure().dataSource(postgres.getPostgresDatabase()).load().migrate();
    backups = new BackupStore(DSL.using(postgres.getPostgresDatabase(), SQLDialect.POSTGRES));
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void freshTarget() throws SQLException {
    database = "shop_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    registry =
        new DatabaseRegistry(
            Map.of(
                database,
                new DatabaseRegistry.Settings(
                    "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database,
                    "postgres")),
            new StaticSecrets(Map.of("databases/" + database + "/password", "")));
    sql(MigrationPlans.SCHEMA);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new MigrationActivitiesImpl(registry, backups, Duration.ofMillis(300)));
    activities =
        env.newActivityStub(
            MigrationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(60))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void closeEnvironment() {
    env.close();
  }

  private void sql(String statements) throws SQLException {
    try (Connection c = registry.target(database).open();
        Statement s = c.createStatement()) {
      s.execute(statements);
    }
  }

  private long count(String query) throws SQLException {
    try (Connection c = registry.target(database).open();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static final String ADD_NOTE = MigrationPlans.OPERATIONS.get("add_column");
  private static final String STATUS_NOT_NULL = MigrationPlans.OPERATIONS.get("set_not_null");
  private static final String CHANGE_AMOUNT = MigrationPlans.OPERATIONS.get("change_type");

  /** The failure an activity ended with: its type and message. */
  private static ApplicationFailure failure(Throwable thrown) {
    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }

  private void expand(PlannedMigration p) {
    int i = 0;
    for (SqlStep step : p.expand()) {
      activities.execute(
          new StepJob(database, step, p.name() + "/expand/" + i++, 500, 60_000, 10_000));
    }
  }

  private BackfillProgress backfill(PlannedMigration p, String migration) {
    Backfill b = p.backfills().getFirst();
    BackfillJob job = new BackfillJob(database, migration, 0, b, 50, 30_000, 64, 0);
    BackfillProgress progress = activities.backfill(job);
    while (!progress.done()) {
      progress = activities.backfill(job);
    }
    return progress;
  }

  private static long mismatches(List<VerifyResult> results) {
    return results.stream().mapToLong(VerifyResult::mismatches).sum();
  }

  // ---- render ----

  @Test
  void renderReadsTheServerVersionAndRendersForIt() {
    MigrationPlan plan = MigrationPlans.plan("nn", STATUS_NOT_NULL);
    PlannedMigration rendered = activities.render(database, plan);
    // embedded PostgreSQL is 18: the native NOT NULL ... NOT VALID, not the CHECK of older servers
    assertThat(rendered).isEqualTo(MigrationPlanner.render(plan, database, 18));
    assertThat(rendered).isNotEqualTo(MigrationPlanner.render(plan, database, 17));
    assertThat(rendered.expand().stream().map(SqlStep::sql))
        .anyMatch(sql -> sql.contains("NOT NULL \"status\" NOT VALID"))
        .noneMatch(sql -> sql.contains("CHECK"));
  }

  @Test
  void renderRefusesAPlanThatDoesNotValidateWithEveryProblem() {
    // add_column with a backfill on a table missing from keys
    MigrationPlan plan =
        MigrationPlans.plan(
            "bad",
            "{\"op\":\"add_column\",\"table\":\"old_audit\",\"column\":\"x\",\"type\":\"text\","
                + "\"backfill\":\"'y'\"}");
    ApplicationFailure f = failure(catchThrowable(() -> activities.render(database, plan)));
    assertThat(f.getType()).isEqualTo("INVALID_INPUT");
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .startsWith("plan bad for PostgreSQL 18: ")
        .contains("old_audit")
        .contains("keys");
  }

  // ---- preflight ----

  @Test
  void preflightPassesAndReportsTheServerAndCreatesRollgatesSchema() {
    PlannedMigration p = activities.render(database, MigrationPlans.plan("ok", ADD_NOTE));
    MigrationPreflight pre = activities.preflight(p);
    assertThat(pre.serverMajor()).isEqualTo(18);
    assertThat(pre.serverVersion()).startsWith("18.");
    assertThat(pre.findings()).isEmpty();
    assertThat(activities.preflight(p).serverMajor()) // idempotent: rollgate schema already there
        .isEqualTo(18);
  }

  @Test
  void preflightFindsALongTransactionAndALockHolderOnThePlansTableAsBlockers() throws Exception {
    PlannedMigration p = activities.render(database, MigrationPlans.plan("busy", ADD_NOTE));
    try (Connection holder = registry.target(database).open();
        Statement h = holder.createStatement()) {
      holder.setAutoCommit(false);
      h.execute("LOCK TABLE public.orders IN ROW EXCLUSIVE MODE");
      int pid;
      try (ResultSet r = h.executeQuery("SELECT pg_backend_pid()")) {
        r.next();
        pid = r.getInt(1);
      }
      // the threshold in this test is 300 ms: both are blockers, not only findings
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                MigrationPreflight pre = activities.preflight(p);
                assertThat(pre.blockers())
                    .anyMatch(
                        f -> f.startsWith("long-running transaction: pid " + pid + " (postgres)"))
                    .anyMatch(
                        f ->
                            f.startsWith(
                                "lock holder on public.orders: pid "
                                    + pid
                                    + " (postgres) holds RowExclusiveLock, transaction open for"));
                assertThat(pre.findings()).containsAll(pre.blockers());
              });
      holder.rollback();
    }
    MigrationPreflight clear = activities.preflight(p);
    assertThat(clear.findings()).isEmpty();
    assertThat(clear.blockers()).isEmpty();
  }

  @Test
  void preflightRefusesAPlanWhoseTableDoesNotExist() throws Exception {
    sql("DROP TABLE public.orders CASCADE");
    PlannedMigration withBackfill =
        activities.render(database, MigrationPlans.plan("gone", ADD_NOTE));
    ApplicationFailure f = failure(catchThrowable(() -> activities.preflight(withBackfill)));
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).contains("public.orders").contains("does not exist");

    PlannedMigration noBackfill =
        activities.render(
            database, MigrationPlans.plan("gone2", MigrationPlans.OPERATIONS.get("create_index")));
    ApplicationFailure g = failure(catchThrowable(() -> activities.preflight(noBackfill)));
    assertThat(g.getType()).isEqualTo("INVALID_INPUT");
    assertThat(g.isNonRetryable()).isTrue();
    assertThat(g.getOriginalMessage())
        .startsWith("preflight refused the plan")
        .contains("table public.orders exists");
    // nothing ran: the index is not there
    assertThat(count("SELECT count(*) FROM pg_class WHERE relname = 'orders_customer_idx'"))
        .isZero();
  }

  @Test
  void preflightRefusesAPlanWhoseDeclaredKeyIsNotThePrimaryKey() {
    MigrationPlan plan =
        MigrationPlans.planWithKeys("wrongkey", "{\"orders\":[\"customer_id\"]}", ADD_NOTE);
    PlannedMigration p = activities.render(database, plan);
    ApplicationFailure f = failure(catchThrowable(() -> activities.preflight(p)));
    assertThat(f.getType()).isEqualTo("INVALID_INPUT");
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .startsWith("preflight refused the plan")
        .contains("the primary key of public.orders is (customer_id) as keys says");
  }

  // ---- verify ----

  @Test
  void verifyCountsNothingAfterTheBackfillAndCountsAMismatchWrittenBehindTheTriggers()
      throws Exception {
    PlannedMigration p = activities.render(database, MigrationPlans.plan("amount", CHANGE_AMOUNT));
    activities.preflight(p);
    expand(p);
    BackfillProgress done = backfill(p, "migration/" + database + "/amount/run-1/backfill");
    assertThat(done.rowsDone()).isEqualTo(200);
    assertThat(p.verify()).isNotEmpty();
    List<VerifyResult> clean = activities.verify(database, p.verify());
    assertThat(clean).hasSize(p.verify().size());
    assertThat(mismatches(clean)).isZero();

    // two rows changed with the dual-write triggers off (as a replica would apply them)
    sql(
        "SET session_replication_role = replica;"
            + " UPDATE public.orders SET amount = '999.99' WHERE id IN (7, 8);"
            + " SET session_replication_role = origin");
    List<VerifyResult> dirty = activities.verify(database, p.verify());
    assertThat(mismatches(dirty)).isEqualTo(2);
    assertThat(dirty).anyMatch(r -> r.mismatches() == 2);
  }

  // ---- the contract's backup ----

  private static BackupInfo backup(String id, String database, long startedAt) {
    return new BackupInfo(
        id,
        database,
        "RUNNING",
        "backups",
        database + "/" + id + ".dump",
        0,
        null,
        "18.0",
        "18.0",
        "custom+zstd",
        startedAt,
        0,
        Map.of(),
        null,
        null);
  }

  private void completed(String id, long startedAt) {
    backups.running(backup(id, database, startedAt));
    backups.completed(id, 1234, "ab".repeat(32), startedAt + 1_000, Map.of("public.orders", 200L));
  }

  private void drill(String id, boolean passed, long at) {
    backups.drill(
        new DrillRecord("drill-" + id + "-" + passed, id, database, passed, 900, List.of(), at));
  }

  @Test
  void theContractsBackupIsCompletedVerifiedByADrillAndNewerThanExpand() {
    long expandedAt = System.currentTimeMillis() - 3_600_000;
    assertThat(activities.verifiedBackup(database, expandedAt)).as("no backup at all").isNull();
    assertThat(activities.whyNoBackup(database, expandedAt))
        .isEqualTo(
            "no backup of database " + database + " since " + Instant.ofEpochMilli(expandedAt));

    completed("before-expand", expandedAt - 60_000);
    drill("before-expand", true, expandedAt + 10_000);
    assertThat(activities.verifiedBackup(database, expandedAt))
        .as("verified but started before expand")
        .isNull();

    completed("unverified", expandedAt + 60_000);
    assertThat(activities.verifiedBackup(database, expandedAt)).as("never drilled").isNull();
    assertThat(activities.whyNoBackup(database, expandedAt))
        .contains(": unverified: not verified (no restore or drill); before-expand: older");
    drill("unverified", false, expandedAt + 120_000);
    assertThat(activities.verifiedBackup(database, expandedAt)).as("drill failed").isNull();

    backups.running(backup("running", database, expandedAt + 150_000));
    drill("running", true, expandedAt + 160_000);
    assertThat(activities.verifiedBackup(database, expandedAt)).as("still running").isNull();

    // each candidate with why it does not qualify, newest first
    assertThat(activities.whyNoBackup(database, expandedAt))
        .isEqualTo(
            "rejected backups of "
                + database
                + ": running: RUNNING, no checksum;"
                + " unverified: its drill failed; before-expand: older than expand (started "
                + Instant.ofEpochMilli(expandedAt - 60_000)
                + ")");
    completed("good", expandedAt + 200_000);
    drill("good", true, expandedAt + 300_000);
    BackupInfo found = activities.verifiedBackup(database, expandedAt);
    assertThat(found).isNotNull();
    assertThat(found.backupId()).isEqualTo("good");
    assertThat(found.sha256()).isEqualTo("ab".repeat(32));
    assertThat(found.verifiedAtMillis()).isEqualTo(expandedAt + 300_000);
    // another database's backups never count
    assertThat(activities.verifiedBackup("other_" + database, expandedAt)).isNull();
  }

  // ---- rollback ----

  @Test
  void rollbackRemovesWhatExpandAddedAndTheCursorAndIsIdempotent() throws Exception {
    PlannedMigration p = activities.render(database, MigrationPlans.plan("note", ADD_NOTE));
    activities.preflight(p);
    expand(p);
    String migration = "migration/" + database + "/note/run-1/backfill";
    backfill(p, migration);
    assertThat(count("SELECT count(*) FROM public.orders WHERE note = 'legacy ' || id"))
        .isEqualTo(200);
    assertThat(count("SELECT count(*) FROM rollgate.backfill_cursor")).isPositive();
    assertThat(
            count("SELECT count(*) FROM pg_namespace WHERE nspname = '" + p.versionSchema() + "'"))
        .isEqualTo(1);

    RollbackJob job = new RollbackJob(database, migration, p.rollback(), 500, 60_000, 10_000);
    assertThat(activities.rollback(job)).isEqualTo(p.rollback().size() + " rollback steps run");
    assertThat(
            count(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'note'"))
        .isZero();
    assertThat(
            count("SELECT count(*) FROM pg_namespace WHERE nspname = '" + p.versionSchema() + "'"))
        .isZero();
    assertThat(count("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")).isZero();
    assertThat(count("SELECT count(*) FROM rollgate.backfill_cursor")).isZero();
    // again: nothing left to remove, no error
    activities.rollback(job);
    assertThat(count("SELECT count(*) FROM public.orders")).isEqualTo(200);
  }

  // ---- versioned schemas through the activities ----

  /**
   * Inserts (and updates a seeded row) through {@code c} until {@code stop} is set and at least 50
   * rows are in; returns the rows inserted.
   */
  private static int write(Connection c, String insert, String update, AtomicBoolean stop, int base)
      throws SQLException {
    int i = 0;
    try (PreparedStatement ins = c.prepareStatement(insert);
        PreparedStatement upd = c.prepareStatement(update)) {
      while (!stop.get() || i < 50) {
        ins.setString(1, (base + i) + ".25");
        ins.executeUpdate();
        upd.setString(1, (base + i) + ".5");
        upd.setLong(2, 2L * i + (base == 0 ? 1 : 2));
        upd.executeUpdate();
        i++;
      }
    }
    return i;
  }

  @Test
  void twoVersionsWriteWhileTheRealBackfillRunsAndVerifyAndContractKeepEveryWrite()
      throws Exception {
    sql(
        "INSERT INTO public.orders (customer_id, amount, status, legacy)"
            + " SELECT g % 20 + 1, (g * 1.5)::text, 'paid', 'x' FROM generate_series(1, 5000) g");
    PlannedMigration p =
        activities.render(
            database,
            MigrationPlans.plan(
                "m_v", CHANGE_AMOUNT, MigrationPlans.OPERATIONS.get("rename_column"), ADD_NOTE));
    activities.preflight(p);
    expand(p);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection old = registry.target(database).open();
        Connection neu = registry.target(database).open()) {
      try (Statement st = neu.createStatement()) {
        st.execute("SET search_path TO public_m_v, public");
      }
      Future<Integer> oldWrites =
          pool.submit(
              () ->
                  write(
                      old,
                      "INSERT INTO orders (customer_id, amount, status) VALUES (1, ?, 'old')",
                      "UPDATE orders SET amount = ? WHERE id = ?",
                      stop,
                      0));
      Future<Integer> newWrites =
          pool.submit(
              () ->
                  write(
                      neu,
                      "INSERT INTO orders (customer_id, amount, state) VALUES (2, ?::numeric, 'new')",
                      "UPDATE orders SET amount = ?::numeric WHERE id = ?",
                      stop,
                      100_000));
      BackfillProgress done;
      try {
        done = backfill(p, "migration/" + database + "/m_v/run-1/backfill");
      } finally {
        stop.set(true);
      }
      int olds = oldWrites.get();
      int news = newWrites.get();
      System.out.printf(
          "backfill: %d rows in %d batches, throttled %d ms; writes: %d old, %d new%n",
          done.rowsDone(), done.batches(), done.throttledMillis(), olds, news);
      // the backfill covers the rows present at its start; later rows are the triggers' job
      assertThat(done.rowsTotal()).isBetween(5_200L, 5_200L + olds + news);
      assertThat(done.batches()).isGreaterThan(1);
      assertThat(mismatches(activities.verify(database, p.verify()))).isZero();
      assertThat(count("SELECT count(*) FROM public.orders")).isEqualTo(5_200L + olds + news);
      assertThat(
              count(
                  "SELECT count(*) FROM public.orders WHERE note IS NULL OR amount IS NULL"
                      + " OR _rg_new_amount IS DISTINCT FROM amount::numeric(12,2)"))
          .as("old and new amount agree, note filled, on every row")
          .isZero();
      // each version reads the other's writes in its own shape
      try (Statement st = old.createStatement();
          ResultSet r = st.executeQuery("SELECT count(*) FROM orders WHERE status = 'new'")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(news);
      }
      try (Statement st = neu.createStatement();
          ResultSet r =
              st.executeQuery(
                  "SELECT count(*) FROM orders WHERE state = 'old' AND amount::text LIKE '%.25'")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(olds);
      }
      int i = 0;
      for (SqlStep step : p.contract()) {
        activities.execute(new StepJob(database, step, "m_v/contract/" + i++, 500, 60_000, 10_000));
      }
      assertThat(
              count(
                  "SELECT count(*) FROM public.orders WHERE state = 'new' AND pg_typeof(amount) = 'numeric'::regtype"))
          .as("after contract the table has the new shape with every write kept")
          .isEqualTo(news);
      assertThat(count("SELECT count(*) FROM public.orders WHERE state = 'old'")).isEqualTo(olds);
    } finally {
      pool.shutdownNow();
    }
  }
}
