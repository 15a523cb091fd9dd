package dev.rollgate.workflows.migration.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A migration plan as an operator writes it (YAML or JSON, see docs/migration-plans.md): the same
 * record parses from the file and travels as workflow input. Nothing in it is trusted: {@link
 * MigrationPlanner#validate} reports every problem before anything is rendered.
 *
 * @param name the migration's name, a lower-case identifier; the version schema is {@code
 *     <schema>_<name>}
 * @param schema the application's schema ({@code public} when omitted)
 * @param keys the primary key of every table a backfill updates, in key order ({@code orders:
 *     [id]}); the backfill walks the table by it, and preflight checks it is the table's primary
 *     key
 * @param operations what to change, in order
 */
public record MigrationPlan(
    String name, String schema, Map<String, List<String>> keys, List<Operation> operations) {
  public MigrationPlan {
    schema = schema == null || schema.isBlank() ? "public" : schema;
    keys = keys == null ? Map.of() : copy(keys);
    // an empty item stays (as null) so that validation reports it by its position
    operations =
        operations == null
            ? List.of()
            : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(operations));
  }

  private static Map<String, List<String>> copy(Map<String, List<String>> keys) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    keys.forEach((k, v) -> copy.put(k, v == null ? List.of() : List.copyOf(v)));
    return java.util.Collections.unmodifiableMap(copy);
  }
}
