package dev.rollgate.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.BackfillJob;
import dev.rollgate.workflows.migration.BackfillProgress;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.StepJob;
import io.temporal.failure.ApplicationFailure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migration executor and the backfill on a real PostgreSQL (embedded, zonky): the lock
 * discipline against a session holding a conflicting lock, an INVALID index left by a failed
 * CONCURRENT build, keyset batches over a composite key with the cursor committed with each batch,
 * a killed backfill resuming with no batch applied twice, and throttling on lock waiters and on a
 * VACUUM of the table (the slice says why in its heartbeat, which status shows, and goes on when
 * the cause has gone).
 */
class MigrationEngineTest {
  private static EmbeddedPostgres postgres;
  private static DatabaseRegistry registry;
  private static DatabaseRegistry.Target target;
  private final List<Object> beats = new CopyOnWriteArrayList<>();
  private final Consumer<Object> heartbeat = beats::add;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("create database shop");
    }
    registry =
        new DatabaseRegistry(
            Map.of(
                "shop",
                new DatabaseRegistry.Settings(
                    "jdbc:postgresql://localhost:" + postgres.getPort() + "/shop", "postgres")),
            new StaticSecrets(Map.of("databases/shop/password", "")));
    target = registry.target("shop");
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void clean() throws SQLException {
    sql(
        "drop schema if exists rollgate cascade; drop table if exists orders, items cascade;"
            + " create table orders (id int primary key, amount int not null, n int not null"
            + " default 0, amount_v2 numeric(12,2));"
            + " insert into orders (id, amount) select g, g from generate_series(1, 2000) g;"
            + " create table items (shop text, line int, qty int, n int not null default 0,"
            + " primary key (shop, line));"
            + " insert into items (shop, line, qty) select 'shop ' || (g % 7), g, g % 5"
            + " from generate_series(1, 3000) g");
  }

  private static void sql(String statements) throws SQLException {
    try (Connection c = target.open();
        Statement s = c.createStatement()) {
      s.execute(statements);
    }
  }

  private static long count(String query) throws SQLException {
    try (Connection c = target.open();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static StepJob job(SqlStep step, String key, long budgetMillis) {
    return new StepJob("shop", step, key, 500, 60_000, budgetMillis);
  }

  private static SqlStep ddl(String sql) {
    return new SqlStep(sql, sql, SqlStep.Execution.DDL, "public", "orders", null);
  }

  // ---- the lock discipline ----

  @Test
  void ddlTimesOutBehindAConflictingLockWithoutBlockingTrafficAndSucceedsWhenItGoes()
      throws Exception {
    try (Connection holder = target.open();
        Statement h = holder.createStatement()) {
      holder.setAutoCommit(false);
      h.execute("LOCK TABLE orders IN ACCESS SHARE MODE"); // a long reader
      SqlStep add = ddl("ALTER TABLE orders ADD COLUMN note text");
      CompletableFuture<StepExecutor.Outcome> running =
          CompletableFuture.supplyAsync(
              () -> StepExecutor.run(target, job(add, "k-add", 60_000), heartbeat));
      // traffic keeps flowing: a reader waits at most one lock_timeout behind an attempt
      long worst = 0;
      long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < until) {
        long t0 = System.nanoTime();
        count("select count(*) from orders");
        worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
        Thread.sleep(50);
      }
      assertThat(worst).as("longest reader wait, ms").isLessThan(500 + 400);
      await().atMost(Duration.ofSeconds(10)).until(() -> !beats.isEmpty());
      assertThat(beats.getFirst().toString())
          .startsWith("attempt 1 timed out")
          .contains("lock timeout");
      assertThat(running).isNotDone();
      holder.commit();
      StepExecutor.Outcome outcome = running.get();
      assertThat(outcome.words()).isEqualTo("done");
      assertThat(outcome.attempts()).isGreaterThan(1);
    }
    assertThat(count("select count(*) from information_schema.columns where column_name = 'note'"))
        .isEqualTo(1);
    // idempotent: the key was written in the step's transaction
    assertThat(
            StepExecutor.run(
                    target,
                    job(ddl("ALTER TABLE orders ADD COLUMN note text"), "k-add", 60_000),
                    heartbeat)
                .words())
        .isEqualTo("already done");
  }

  @Test
  void aDdlThatCannotTakeItsLockWithinTheBudgetFailsAndLeavesNothing() throws Exception {
    try (Connection holder = target.open();
        Statement h = holder.createStatement()) {
      holder.setAutoCommit(false);
      h.execute("LOCK TABLE orders IN ACCESS SHARE MODE");
      assertThatThrownBy(
              () ->
                  StepExecutor.run(
                      target,
                      job(ddl("ALTER TABLE orders ADD COLUMN note text"), "k", 2_000),
                      heartbeat))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("CONFLICT");
                assertThat(f.isNonRetryable()).isTrue();
                assertThat(f.getOriginalMessage()).contains("could not take its lock within 2 s");
              });
      holder.rollback();
    }
    assertThat(count("select count(*) from rollgate.migration_steps")).isZero();
  }

  @Test
  void anInvalidIndexLeftByAFailedConcurrentBuildIsDroppedAndBuiltAgain() throws Exception {
    sql("update orders set amount = 1 where id = 2"); // a duplicate: the unique build fails
    SqlStep index =
        new SqlStep(
            "create unique index orders_amount_key",
            "CREATE UNIQUE INDEX CONCURRENTLY \"orders_amount_key\" ON \"public\".\"orders\""
                + " (\"amount\")",
            SqlStep.Execution.CONCURRENT,
            "public",
            "orders",
            "orders_amount_key");
    assertThatThrownBy(() -> StepExecutor.run(target, job(index, null, 10_000), heartbeat))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("INVALID_INPUT"));
    try (Connection c = target.open()) {
      assertThat(StepExecutor.indexValid(c, "public", "orders_amount_key")).isFalse();
    }
    sql("update orders set amount = 2 where id = 2");
    assertThat(StepExecutor.run(target, job(index, null, 10_000), heartbeat).words())
        .isEqualTo("invalid index orders_amount_key dropped and built again");
    try (Connection c = target.open()) {
      assertThat(StepExecutor.indexValid(c, "public", "orders_amount_key")).isTrue();
    }
    assertThat(StepExecutor.run(target, job(index, null, 10_000), heartbeat).words())
        .isEqualTo("already done");
  }

  @Test
  void validateRunsUnderAShortLockTimeout() throws Exception {
    sql("alter table orders add constraint amount_positive check (amount > 0) not valid");
    SqlStep validate =
        new SqlStep(
            "validate amount_positive",
            "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"amount_positive\"",
            SqlStep.Execution.VALIDATE,
            "public",
            "orders",
            null);
    assertThat(StepExecutor.run(target, job(validate, "v", 10_000), heartbeat).words())
        .isEqualTo("done");
    assertThat(
            count(
                "select count(*) from pg_constraint where conname = 'amount_positive' and convalidated"))
        .isEqualTo(1);
  }

  // ---- the backfill ----

  private static BackfillJob fill(String table, List<String> key, String set, long sliceMillis) {
    return new BackfillJob(
        "shop",
        "migration/shop/t/run-1/backfill",
        0,
        new Backfill("fill", "public", table, key, set),
        50,
        sliceMillis,
        0,
        10_000);
  }

  @Test
  void backfillsACompositeKeyInAdaptiveBatchesOverTheRowsPresentAtStart() throws Exception {
    BackfillJob job = fill("items", List.of("shop", "line"), "\"n\" = \"n\" + 1", 60_000);
    List<BackfillProgress> seen = new CopyOnWriteArrayList<>();
    BackfillProgress first = BackfillEngine.slice(target, job.withSlice(1), seen::add);
    assertThat(first.rowsTotal()).isEqualTo(3000);
    // a row added after the start is beyond the upper bound: new rows are the triggers' job
    sql("insert into items (shop, line, qty) values ('shop 9', 99999, 1)");
    BackfillProgress p = first;
    while (!p.done()) {
      p = BackfillEngine.slice(target, job.withSize(p.batchSize()), seen::add);
    }
    assertThat(p.rowsDone()).isEqualTo(3000);
    assertThat(count("select count(*) from items where n = 1")).isEqualTo(3000);
    assertThat(count("select count(*) from items where n <> 1")).isEqualTo(1);
    assertThat(count("select n from items where line = 99999")).isZero();
    assertThat(seen)
        .extracting(BackfillProgress::batchSize)
        .anySatisfy(s -> assertThat(s).isGreaterThan(100));
    assertThat(count("select count(*) from rollgate.backfill_cursor where done")).isEqualTo(1);
  }

  @Test
  void aBackfillKilledMidBatchResumesAfterTheLastCommittedBatchWithNoBatchAppliedTwice()
      throws Exception {
    // every row takes a little time, so a kill lands inside a batch
    sql(
        "create function slow() returns trigger language plpgsql as $$ begin"
            + " perform pg_sleep(0.0005); return new; end $$;"
            + " create trigger slow before update on orders for each row execute function slow()");
    BackfillJob job =
        fill("orders", List.of("id"), "\"n\" = \"n\" + 1, \"amount_v2\" = \"amount\"", 60_000);
    AtomicInteger killed = new AtomicInteger();
    CompletableFuture<BackfillProgress> run =
        CompletableFuture.supplyAsync(() -> BackfillEngine.slice(target, job, b -> {}));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptions() // until the slice has created Rollgate's schema
        .until(
            () -> count("select coalesce(sum(rows_done), 0) from rollgate.backfill_cursor") >= 300);
    killed.set(
        (int)
            count(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                    + " where application_name = 'rollgate-backfill'"));
    assertThat(killed.get()).isEqualTo(1);
    // the worker's connection is gone: a retryable failure, Temporal runs the slice again
    assertThatThrownBy(run::join)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isFalse();
            });
    long committed = count("select rows_done from rollgate.backfill_cursor");
    assertThat(committed).isLessThan(2000);
    assertThat(count("select count(*) from orders where n = 1")).isEqualTo(committed);
    assertThat(count("select count(*) from orders where n > 1")).isZero();

    BackfillProgress resumed = BackfillEngine.slice(target, job, b -> {});
    assertThat(resumed.done()).isTrue();
    assertThat(resumed.rowsDone()).isEqualTo(2000);
    assertThat(count("select count(*) from orders where n = 1 and amount_v2 = amount"))
        .isEqualTo(2000);
  }

  /** The slice's heartbeats as {@link BackfillProgress}, the running status's source. */
  private final List<BackfillProgress> progress = new CopyOnWriteArrayList<>();

  /** Threads of the sessions a test runs at once (the common pool may have one thread). */
  private final ExecutorService sessions = Executors.newCachedThreadPool();

  @AfterEach
  void stopSessions() {
    sessions.shutdownNow();
  }

  /** Starts a slice of at most a minute over all of orders, heartbeating into {@link #progress}. */
  private CompletableFuture<BackfillProgress> backfillOrders() {
    BackfillJob job = fill("orders", List.of("id"), "\"n\" = \"n\" + 1", 60_000);
    return CompletableFuture.supplyAsync(
        () -> BackfillEngine.slice(target, job, progress::add), sessions);
  }

  /** Waits until the slice says it is throttled for {@code why}; returns rows done by then. */
  private long awaitThrottled(String why) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> progress.stream().anyMatch(p -> why.equals(p.throttled())));
    // it stays throttled: no row is filled while the cause lasts
    long done = progress.getLast().rowsDone();
    await()
        .during(Duration.ofMillis(1_500))
        .atMost(Duration.ofSeconds(10))
        .until(() -> why.equals(progress.getLast().throttled()));
    assertThat(progress.getLast().rowsDone()).isEqualTo(done);
    return done;
  }

  /** After the cause has gone: the same slice goes on, unthrottled, and fills every row. */
  private void assertResumedAndFinished(CompletableFuture<BackfillProgress> run, long before)
      throws Exception {
    BackfillProgress end = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(end.done()).isTrue();
    assertThat(end.rowsDone()).isEqualTo(2000).isGreaterThan(before);
    assertThat(end.throttled()).isNull();
    assertThat(end.throttledMillis()).isGreaterThanOrEqualTo(2_000);
    assertThat(count("select count(*) from orders where n = 1")).isEqualTo(2000);
  }

  @Test
  void throttlesWhileASessionWaitsForALockOnTheTableSaysSoAndResumesWhenItClears()
      throws Exception {
    try (Connection reader = target.open();
        Statement r = reader.createStatement();
        Connection ddl = target.open();
        Statement d = ddl.createStatement()) {
      reader.setAutoCommit(false);
      ddl.setAutoCommit(false);
      r.execute("LOCK TABLE orders IN ACCESS SHARE MODE"); // a long reader
      CompletableFuture<Boolean> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return d.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"); // queues
                } catch (SQLException e) {
                  return false;
                }
              },
              sessions);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> count("select count(*) from pg_locks where not granted") > 0);
      CompletableFuture<BackfillProgress> run = backfillOrders();
      long before = awaitThrottled("1 session waits for a lock on public.orders");

      reader.rollback(); // the waiter gets its lock, does its work and goes
      assertThat(waiting.join()).isFalse(); // LOCK returns no result set once granted
      ddl.rollback();
      assertResumedAndFinished(run, before);
    }
  }

  @Test
  void throttlesWhileAVacuumRunsOnTheTableSaysSoAndResumesWhenItEnds() throws Exception {
    // a hundred sparse pages and the slowest cost-based delay: the VACUUM runs for 10 s or more
    sql("alter table orders set (fillfactor = 10)");
    sql("vacuum full orders");
    try (Connection vacuumer = target.open();
        Statement v = vacuumer.createStatement()) {
      v.execute("SET vacuum_cost_delay = '100ms'; SET vacuum_cost_limit = 1");
      CompletableFuture<Void> vacuum =
          CompletableFuture.runAsync(
              () -> {
                try {
                  v.execute("VACUUM orders");
                } catch (SQLException e) {
                  // cancelled below: the vacuum ends
                }
              },
              sessions);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  count(
                          "select count(*) from pg_stat_progress_vacuum"
                              + " where relid = 'public.orders'::regclass")
                      > 0);
      long pid =
          count("select pid from pg_stat_progress_vacuum where relid = 'public.orders'::regclass");
      CompletableFuture<BackfillProgress> run = backfillOrders();
      long before = awaitThrottled("VACUUM (pid " + pid + ") running on public.orders");

      assertThat(count("select count(pg_cancel_backend(" + pid + "))")).isEqualTo(1);
      vacuum.join();
      assertResumedAndFinished(run, before);
    }
  }

  @Test
  void aTableWithoutAPrimaryKeyIsRefused() throws Exception {
    sql("create table nokey (a int)");
    assertThatThrownBy(
            () ->
                BackfillEngine.slice(
                    target, fill("nokey", List.of("a"), "\"a\" = 1", 1_000), b -> {}))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getOriginalMessage()).contains("public.nokey has no primary key"));
    sql("drop table nokey");
  }
}
