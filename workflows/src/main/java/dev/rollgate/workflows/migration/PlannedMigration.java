package dev.rollgate.workflows.migration;

import java.util.List;

/**
 * A validated plan rendered for one server: exactly the SQL each phase runs, in order. It is what
 * {@code rollgate migrate plan} prints and what the workflow executes.
 *
 * @param database the registered target database
 * @param schema the application's schema (for example {@code public})
 * @param name the migration's name (a valid identifier; part of the workflow id)
 * @param serverMajor the PostgreSQL major version it was rendered for (18 uses {@code NOT NULL NOT
 *     VALID}; older servers a CHECK constraint)
 * @param versionSchema the schema of views exposing the new version of every table the migration
 *     touches ({@code <schema>_<name>}); applications select a version with {@code search_path}
 * @param expand new structures, dual-write triggers and the version schema, in order
 * @param backfills the tables to backfill after expand, in order
 * @param afterBackfill what completes expand once the rows are filled (for example {@code VALIDATE
 *     CONSTRAINT}, {@code SET NOT NULL} on older servers)
 * @param verify the checks that must all count 0 before the switch
 * @param contract what removes the old structures and the triggers once applications moved
 * @param rollback what removes everything expand and afterBackfill added, in reverse order; every
 *     step is idempotent ({@code IF EXISTS}), so all of it runs safely whatever part of expand ran
 * @param tables every table the migration touches, {@code schema.table}, for preflight's lock and
 *     long-transaction checks
 * @param preflight catalogue checks that must all count 0 before expand runs (tables and columns
 *     exist or do not yet, the declared keys are the primary keys, no NULLs where NOT NULL is set
 *     without a backfill value); each counts the problems it finds
 */
public record PlannedMigration(
    String database,
    String schema,
    String name,
    int serverMajor,
    String versionSchema,
    List<SqlStep> expand,
    List<Backfill> backfills,
    List<SqlStep> afterBackfill,
    List<VerifyCheck> verify,
    List<SqlStep> contract,
    List<SqlStep> rollback,
    List<String> tables,
    List<VerifyCheck> preflight) {
  public PlannedMigration {
    preflight = preflight == null ? List.of() : List.copyOf(preflight);
    expand = List.copyOf(expand);
    backfills = List.copyOf(backfills);
    afterBackfill = List.copyOf(afterBackfill);
    verify = List.copyOf(verify);
    contract = List.copyOf(contract);
    rollback = List.copyOf(rollback);
    tables = List.copyOf(tables);
  }

  /** Without preflight checks (the record's shape before the planner added them). */
  public PlannedMigration(
      String database,
      String schema,
      String name,
      int serverMajor,
      String versionSchema,
      List<SqlStep> expand,
      List<Backfill> backfills,
      List<SqlStep> afterBackfill,
      List<VerifyCheck> verify,
      List<SqlStep> contract,
      List<SqlStep> rollback,
      List<String> tables) {
    this(
        database,
        schema,
        name,
        serverMajor,
        versionSchema,
        expand,
        backfills,
        afterBackfill,
        verify,
        contract,
        rollback,
        tables,
        List.of());
  }
}
