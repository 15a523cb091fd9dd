package dev.rollgate.workflows.migration;

import java.util.List;

/** Hand-built plans (what the planner renders) for the workflow tests. */
final class Plans {
  private Plans() {}

  static SqlStep ddl(String sql) {
    return new SqlStep(sql, sql, SqlStep.Execution.DDL, "public", "orders", null);
  }

  /** Changes orders.amount to numeric: a new column, triggers, a backfill, verify, contract. */
  static PlannedMigration amountNumeric(String database, String name, int backfills) {
    List<Backfill> fills =
        java.util.stream.IntStream.range(0, backfills)
            .mapToObj(
                i ->
                    new Backfill(
                        "fill amount_v2",
                        "public",
                        i == 0 ? "orders" : "orders_" + i,
                        List.of("id"),
                        "\"amount_v2\" = (\"amount\")::numeric(12,2)"))
            .toList();
    return new PlannedMigration(
        database,
        "public",
        name,
        18,
        "public_" + name,
        List.of(
            ddl("ALTER TABLE orders ADD COLUMN amount_v2 numeric(12,2)"),
            ddl("CREATE TRIGGER orders_amount_sync")),
        fills,
        List.of(
            new SqlStep(
                "validate",
                "ALTER TABLE orders VALIDATE CONSTRAINT amount_v2_nn",
                SqlStep.Execution.VALIDATE,
                "public",
                "orders",
                null)),
        List.of(new VerifyCheck("amount_v2 matches amount", "SELECT 0")),
        List.of(ddl("ALTER TABLE orders DROP COLUMN amount")),
        List.of(
            ddl("DROP TRIGGER IF EXISTS orders_amount_sync"),
            ddl("ALTER TABLE orders DROP COLUMN IF EXISTS amount_v2")),
        List.of("public.orders"));
  }
}
