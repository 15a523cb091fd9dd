package dev.rollgate.workflows.migration;

import java.util.List;

/**
 * One table's backfill: the executor updates the rows present at its start in keyset batches by
 * primary key, {@code UPDATE schema.table SET <set> WHERE (<key>) > (cursor) AND (<key>) <= (batch
 * end)}, committing its cursor in the same transaction as each batch.
 *
 * @param description what it fills, in words
 * @param schema the table's schema
 * @param table the table
 * @param keyColumns the primary key's columns in key order (composite keys included); never empty:
 *     a table without a primary key is refused by the planner or at preflight
 * @param set the SET list, rendered by the planner with quoted identifiers (for example {@code
 *     "amount_v2" = ("amount")::numeric(12,2)})
 */
public record Backfill(
    String description, String schema, String table, List<String> keyColumns, String set) {
  public Backfill {
    keyColumns = List.copyOf(keyColumns);
  }
}
