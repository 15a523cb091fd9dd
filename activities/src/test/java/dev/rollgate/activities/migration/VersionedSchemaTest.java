package dev.rollgate.activities.migration;

import static dev.rollgate.activities.migration.MigrationSqlTest.count;
import static dev.rollgate.activities.migration.MigrationSqlTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.VerifyCheck;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Versioned schemas: between expand and contract an old-version client (search_path {@code public})
 * and a new-version client (search_path {@code public_m_v, public}) write the same table
 * concurrently, each in its own column names and types, while the backfill runs; both columns end
 * consistent, verify counts 0, and after contract the table has the new shape with every write
 * kept.
 */
class VersionedSchemaTest {
  private static final int WRITES = 150;

  @Test
  void twoVersionsWriteConcurrentlyAndBothColumnsStayConsistent() throws Exception {
    PlannedMigration p =
        MigrationPlanner.render(
            MigrationPlans.plan(
                "m_v",
                MigrationPlans.OPERATIONS.get("change_type"),
                MigrationPlans.OPERATIONS.get("rename_column"),
                MigrationPlans.OPERATIONS.get("add_column")),
            "shop",
            18);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      DataSource ds = pg.getPostgresDatabase();
      try (Connection admin = ds.getConnection();
          Connection old = ds.getConnection();
          Connection neu = ds.getConnection()) {
        try (Statement st = admin.createStatement()) {
          st.execute(MigrationPlans.SCHEMA);
        }
        run(admin, p.expand());
        try (Statement st = neu.createStatement()) {
          st.execute("SET search_path TO public_m_v, public");
        }
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          CompletableFuture<Void> oldWrites =
              CompletableFuture.runAsync(
                  () ->
                      writes(
                          go,
                          old,
                          "INSERT INTO orders (customer_id, amount, status) VALUES (1, ?, 'old')",
                          "UPDATE orders SET amount = ? WHERE id = ?",
                          i -> String.valueOf(i + 0.5)),
                  pool);
          CompletableFuture<Void> newWrites =
              CompletableFuture.runAsync(
                  () ->
                      writes(
                          go,
                          neu,
                          "INSERT INTO orders (customer_id, amount, state) VALUES (2, ?::numeric, 'new')",
                          "UPDATE orders SET amount = ?::numeric WHERE id = ?",
                          i -> String.valueOf(i + 0.25)),
                  pool);
          go.countDown();
          // the backfill runs while both write: keyset batches of 25 rows
          Backfill b = p.backfills().getFirst();
          for (long from = 0; from < 400; from += 25) {
            try (Statement st = admin.createStatement()) {
              st.executeUpdate(
                  "UPDATE public.orders SET "
                      + b.set()
                      + " WHERE id > "
                      + from
                      + " AND id <= "
                      + (from + 25));
            }
          }
          CompletableFuture.allOf(oldWrites, newWrites).join();
        } finally {
          pool.shutdown();
        }
        try (Statement st = admin.createStatement()) {
          st.executeUpdate("UPDATE public.orders SET " + p.backfills().getFirst().set());
        }
        for (VerifyCheck check : p.verify()) {
          assertThat(count(admin, check.sql())).as(check.description()).isZero();
        }
        assertThat(count(admin, "SELECT count(*) FROM orders")).isEqualTo(200 + 2 * WRITES);
        assertThat(
                count(
                    admin,
                    "SELECT count(*) FROM orders WHERE amount IS NULL OR _rg_new_amount IS DISTINCT FROM amount::numeric(12,2)"))
            .as("old and new amount agree on every row")
            .isZero();
        assertThat(count(admin, "SELECT count(*) FROM orders WHERE note IS NULL")).isZero();
        // each version reads the other's writes in its own shape
        assertThat(
                count(
                    old, "SELECT count(*) FROM orders WHERE status = 'new' AND amount LIKE '%.25'"))
            .isEqualTo(WRITES);
        assertThat(
                count(
                    neu,
                    "SELECT count(*) FROM orders WHERE state = 'old' AND amount = round(amount, 1)"))
            .isEqualTo(WRITES);
        assertThat(
                count(
                    neu,
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'status'"))
            .as("the new version sees the view, not the table")
            .isZero();

        run(admin, p.contract());
        assertThat(
                count(
                    neu,
                    "SELECT count(*) FROM orders WHERE state = 'new' AND amount::text LIKE '%.25'"))
            .as("after contract the new version reads the table itself")
            .isEqualTo(WRITES);
      }
    }
  }

  private interface Value {
    String of(int i);
  }

  /** Inserts {@link #WRITES} rows, then updates the amount of the first 100 seeded rows. */
  private static void writes(
      CountDownLatch go, Connection c, String insert, String update, Value value) {
    try {
      go.await();
      try (PreparedStatement ins = c.prepareStatement(insert);
          PreparedStatement upd = c.prepareStatement(update)) {
        for (int i = 0; i < WRITES; i++) {
          ins.setString(1, value.of(i));
          ins.executeUpdate();
          if (i < 100) {
            upd.setString(1, value.of(i));
            upd.setLong(2, 2L * i + (insert.contains("'old'") ? 1 : 2));
            upd.executeUpdate();
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
