package dev.rollgate.workflows.migration.plan;

import static dev.rollgate.workflows.migration.plan.Sql.literal;
import static dev.rollgate.workflows.migration.plan.Sql.nameArray;
import static dev.rollgate.workflows.migration.plan.Sql.quote;
import static dev.rollgate.workflows.migration.plan.Sql.quoteAll;
import static dev.rollgate.workflows.migration.plan.Sql.regclass;

import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.SqlStep.Execution;
import dev.rollgate.workflows.migration.VerifyCheck;
import dev.rollgate.workflows.migration.plan.Operation.AddCheck;
import dev.rollgate.workflows.migration.plan.Operation.AddColumn;
import dev.rollgate.workflows.migration.plan.Operation.AddForeignKey;
import dev.rollgate.workflows.migration.plan.Operation.AddUnique;
import dev.rollgate.workflows.migration.plan.Operation.ChangeType;
import dev.rollgate.workflows.migration.plan.Operation.CreateIndex;
import dev.rollgate.workflows.migration.plan.Operation.CreateTable;
import dev.rollgate.workflows.migration.plan.Operation.DropColumn;
import dev.rollgate.workflows.migration.plan.Operation.DropIndex;
import dev.rollgate.workflows.migration.plan.Operation.DropTable;
import dev.rollgate.workflows.migration.plan.Operation.RenameColumn;
import dev.rollgate.workflows.migration.plan.Operation.RenameTable;
import dev.rollgate.workflows.migration.plan.Operation.SetDefault;
import dev.rollgate.workflows.migration.plan.Operation.SetNotNull;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Validates a {@link MigrationPlan} and renders it for one PostgreSQL server as a {@link
 * PlannedMigration}: exactly the SQL each phase runs. Pure and deterministic (no I/O): the same
 * plan and server version always give the same SQL, so it runs inside workflow code.
 *
 * <p>Expand-contract with versioned schemas: expand adds structures next to the old ones (a new
 * column for a type change, constraints {@code NOT VALID}, indexes {@code CONCURRENTLY}), triggers
 * that keep old and new columns in sync, and the version schema {@code <schema>_<name>} holding one
 * view per table the migration touches, with the new version's column names and types. An
 * application on the new version sets {@code search_path} to {@code <schema>_<name>, <schema>}; the
 * old version keeps using the tables. A trigger knows which version wrote a row by the first schema
 * of the writer's {@code search_path}. Contract drops the old structures, the triggers and the
 * version schema; rollback removes everything expand added, in reverse order, every step
 * idempotent.
 */
public final class MigrationPlanner {
  /** The oldest server a plan renders for. */
  public static final int OLDEST_SERVER = 14;

  /** The first server with {@code ALTER TABLE ... ADD CONSTRAINT ... NOT NULL ... NOT VALID}. */
  public static final int NOT_NULL_NOT_VALID = 18;

  /** Prefix of every object a migration adds for its own use (triggers, functions, columns). */
  public static final String PREFIX = "rg_";

  private static final List<String> ON_DELETE =
      List.of("cascade", "restrict", "set null", "set default", "no action");

  private MigrationPlanner() {}

  /** The shadow column holding a column's new type between expand and contract. */
  public static String shadowColumn(String column) {
    return "_" + PREFIX + "new_" + column;
  }

  /** The schema of views exposing the new version: {@code <schema>_<name>}. */
  public static String versionSchema(MigrationPlan plan) {
    return plan.schema() + "_" + plan.name();
  }

  /** Validates and renders; throws {@link InvalidPlanException} with every problem found. */
  public static PlannedMigration render(MigrationPlan plan, String database, int serverMajor) {
    List<String> problems = validate(plan, serverMajor);
    if (!problems.isEmpty()) {
      throw new InvalidPlanException(problems);
    }
    return new Renderer(plan, database, serverMajor).render();
  }

  /** Every problem of the plan, one sentence each, in plan order; empty when it renders. */
  public static List<String> validate(MigrationPlan plan, int serverMajor) {
    return new Validator(plan, serverMajor).validate();
  }

  // ---------------------------------------------------------------------------------------------

  /** Collects every problem: fields, identifiers, expressions, and how operations combine. */
  private static final class Validator {
    private final MigrationPlan plan;
    private final int serverMajor;
    private final List<String> problems = new ArrayList<>();

    Validator(MigrationPlan plan, int serverMajor) {
      this.plan = plan;
      this.serverMajor = serverMajor;
    }

    List<String> validate() {
      if (plan == null) {
        return List.of("the plan is empty");
      }
      if (serverMajor < OLDEST_SERVER) {
        problems.add(
            "PostgreSQL "
                + serverMajor
                + " is not supported: plans render for PostgreSQL "
                + OLDEST_SERVER
                + " and newer");
      }
      identifier("name", plan.name());
      identifier("schema", plan.schema());
      if (Sql.identifierProblem(plan.name()) == null
          && Sql.identifierProblem(plan.schema()) == null) {
        String longest = PREFIX + plan.name() + "_" + plan.operations().size();
        identifier("name (in the version schema " + versionSchema(plan) + ")", versionSchema(plan));
        identifier("name (in trigger " + longest + ")", longest);
      }
      plan.keys()
          .forEach(
              (table, columns) -> {
                identifier("keys", table);
                if (columns.isEmpty()) {
                  problems.add("keys: " + table + " lists no column");
                }
                columns.forEach(c -> identifier("keys." + table, c));
              });
      if (plan.operations().isEmpty()) {
        problems.add("the plan has no operations");
      }
      Map<String, String> columnOps = new LinkedHashMap<>();
      Set<String> added = new LinkedHashSet<>();
      Set<String> filled = new LinkedHashSet<>();
      Set<String> renamedTables = new LinkedHashSet<>();
      Set<String> objectNames = new LinkedHashSet<>();
      List<String> tablesUsed = new ArrayList<>();
      for (int i = 0; i < plan.operations().size(); i++) {
        Operation op = plan.operations().get(i);
        String at = "operation " + (i + 1);
        if (op == null) {
          problems.add(at + " is empty");
          continue;
        }
        at += " (" + op.op() + ")";
        switch (op) {
          case RenameColumn o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": from", o.from());
            identifier(at + ": to", o.to());
            if (o.from() != null && o.from().equals(o.to())) {
              problems.add(at + ": from and to are the same column");
              continue;
            }
            exclusive(at, o.table(), o.from(), columnOps);
            if (added.contains(o.table() + "." + o.to())
                || columnOps.containsKey(o.table() + "." + o.to())) {
              problems.add(
                  at
                      + ": renames onto "
                      + o.table()
                      + "."
                      + o.to()
                      + ", which this plan also changes");
            }
            exclusive(at, o.table(), o.to(), columnOps);
          }
          case ChangeType o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": column", o.column());
            if (o.column() != null && Sql.identifierProblem(o.column()) == null) {
              identifier(
                  at + ": column (its new column " + shadowColumn(o.column()) + ")",
                  shadowColumn(o.column()));
            }
            type(at, o.type());
            expression(at + ": up", o.up());
            expression(at + ": down", o.down());
            exclusive(at, o.table(), o.column(), columnOps);
            needsKey(at, o.table());
          }
          case AddColumn o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": column", o.column());
            type(at, o.type());
            optionalExpression(at + ": default", o.defaultValue());
            optionalExpression(at + ": backfill", o.backfill());
            if (Boolean.TRUE.equals(o.notNull())) {
              problems.add(
                  at
                      + ": notNull is refused: ADD COLUMN ... NOT NULL checks every row under an"
                      + " ACCESS EXCLUSIVE lock; add the column nullable with a backfill, then"
                      + " set_not_null");
            }
            exclusive(at, o.table(), o.column(), columnOps);
            added.add(o.table() + "." + o.column());
            if (o.backfill() != null || o.defaultValue() != null) {
              filled.add(o.table() + "." + o.column());
              needsKey(at, o.table());
            }
          }
          case SetNotNull o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": column", o.column());
            optionalExpression(at + ": backfill", o.backfill());
            String key = o.table() + "." + o.column();
            if (o.backfill() != null) {
              needsKey(at, o.table());
            } else if (added.contains(key) && !filled.contains(key)) {
              problems.add(
                  at
                      + ": "
                      + key
                      + " is added by this plan without a value, so its rows hold NULLs: give a"
                      + " backfill value");
            }
            constraintName(at, o.table() + "_" + o.column() + "_not_null", objectNames);
          }
          case AddForeignKey o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": name", o.name());
            columns(at + ": columns", o.columns());
            table(at + ": refTable", o.refTable(), tablesUsed);
            columns(at + ": refColumns", o.refColumns());
            if (!o.columns().isEmpty() && o.columns().size() != o.refColumns().size()) {
              problems.add(at + ": columns and refColumns differ in number");
            }
            if (o.onDelete() != null
                && !ON_DELETE.contains(o.onDelete().toLowerCase(Locale.ROOT))) {
              problems.add(at + ": onDelete must be one of " + String.join(", ", ON_DELETE));
            }
            constraintName(at, o.name(), objectNames);
          }
          case CreateIndex o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": name", o.name());
            columns(at + ": columns", o.columns());
            constraintName(at, o.name(), objectNames);
          }
          case AddUnique o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": name", o.name());
            columns(at + ": columns", o.columns());
            constraintName(at, o.name(), objectNames);
          }
          case AddCheck o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": name", o.name());
            expression(at + ": check", o.check());
            constraintName(at, o.name(), objectNames);
          }
          case SetDefault o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": column", o.column());
            optionalExpression(at + ": default", o.defaultValue());
            optionalExpression(at + ": previous", o.previous());
          }
          case CreateTable o -> {
            table(at, o.table(), tablesUsed);
            if (o.columns().isEmpty()) {
              problems.add(at + ": columns lists no column");
            }
            Set<String> names = new LinkedHashSet<>();
            for (Operation.Column c : o.columns()) {
              if (c == null) {
                problems.add(at + ": a column is empty");
                continue;
              }
              identifier(at + ": column name", c.name());
              type(at + ": column " + c.name(), c.type());
              optionalExpression(at + ": column " + c.name() + " default", c.defaultValue());
              if (c.name() != null && !names.add(c.name())) {
                problems.add(at + ": column " + c.name() + " is listed twice");
              }
            }
            columns(at + ": primaryKey", o.primaryKey());
            for (String k : o.primaryKey()) {
              if (k != null && !names.contains(k)) {
                problems.add(at + ": primaryKey column " + k + " is not one of its columns");
              }
            }
          }
          case RenameTable o -> {
            identifier(at + ": from", o.from());
            identifier(at + ": to", o.to());
            if (o.from() != null && o.from().equals(o.to())) {
              problems.add(at + ": from and to are the same table");
            }
            renamedTables.add(o.from());
            renamedTables.add(o.to());
            tablesUsed.add(null);
          }
          case DropIndex o -> identifier(at + ": name", o.name());
          case DropColumn o -> {
            table(at, o.table(), tablesUsed);
            identifier(at + ": column", o.column());
            exclusive(at, o.table(), o.column(), columnOps);
          }
          case DropTable o -> table(at, o.table(), tablesUsed);
        }
      }
      for (int i = 0; i < tablesUsed.size(); i++) {
        String t = tablesUsed.get(i);
        if (t != null && renamedTables.contains(t)) {
          problems.add(
              "operation "
                  + (i + 1)
                  + ": table "
                  + t
                  + " is renamed by this plan; a renamed table takes no other operation in the"
                  + " same plan");
        }
      }
      return problems;
    }

    private void identifier(String what, String name) {
      String problem = Sql.identifierProblem(name);
      if (problem != null) {
        problems.add(what + ": " + problem);
      }
    }

    private void type(String what, String type) {
      String problem = Sql.typeProblem(type);
      if (problem != null) {
        problems.add(what + ": type " + problem);
      }
    }

    private void expression(String what, String expression) {
      String problem = Sql.expressionProblem(expression);
      if (problem != null) {
        problems.add(what + " " + problem);
      }
    }

    private void optionalExpression(String what, String expression) {
      if (expression != null) {
        expression(what, expression);
      }
    }

    private void table(String at, String table, List<String> used) {
      identifier(at + ": table", table);
      used.add(table);
    }

    private void columns(String what, List<String> columns) {
      if (columns.isEmpty()) {
        problems.add(what + " lists no column");
      }
      columns.forEach(c -> identifier(what, c));
    }

    private void constraintName(String at, String name, Set<String> names) {
      if (name != null && !names.add(name)) {
        problems.add(at + ": the name " + name + " is used twice in this plan");
      }
    }

    /** One renaming, retyping or dropping operation per column. */
    private void exclusive(String at, String table, String column, Map<String, String> ops) {
      if (table == null || column == null) {
        return;
      }
      String previous = ops.putIfAbsent(table + "." + column, at);
      if (previous != null) {
        problems.add(
            at
                + ": "
                + table
                + "."
                + column
                + " is already changed by "
                + previous
                + "; one operation per column and plan");
      }
    }

    private void needsKey(String at, String table) {
      if (table != null && !plan.keys().containsKey(table)) {
        problems.add(
            at
                + ": "
                + table
                + " needs a backfill: give its primary key under keys ("
                + table
                + ": [id]); a table without a primary key cannot be backfilled");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** What the new version's view of one table shows. */
  private static final class View {
    final String table;
    final List<String> physical = new ArrayList<>();
    final List<String> exposed = new ArrayList<>();
    final List<String> hidden = new ArrayList<>();

    View(String table) {
      this.table = table;
    }
  }

  /** Renders a validated plan; each operation adds to every phase. */
  private static final class Renderer {
    private final MigrationPlan plan;
    private final String database;
    private final int serverMajor;
    private final String s;
    private final String versionSchema;
    private final List<SqlStep> expand = new ArrayList<>();

    /** table → column (quoted) → what the backfill sets it to, in plan order. */
    private final Map<String, Map<String, List<String>>> fills = new LinkedHashMap<>();

    private final List<SqlStep> afterBackfill = new ArrayList<>();
    private final List<VerifyCheck> verify = new ArrayList<>();
    private final List<SqlStep> contract = new ArrayList<>();
    private final List<List<SqlStep>> undo = new ArrayList<>();
    private final Set<String> tables = new LinkedHashSet<>();
    private final List<VerifyCheck> preflight = new ArrayList<>();
    private final Map<String, View> views = new LinkedHashMap<>();
    private final Set<String> dropped = new LinkedHashSet<>();
    private final Set<String> created = new LinkedHashSet<>();
    private final Set<String> addedColumns = new LinkedHashSet<>();
    private int index;

    Renderer(MigrationPlan plan, String database, int serverMajor) {
      this.plan = plan;
      this.database = database;
      this.serverMajor = serverMajor;
      this.s = plan.schema();
      this.versionSchema = versionSchema(plan);
    }

    PlannedMigration render() {
      preflight.add(
          check(
              "version schema " + versionSchema + " does not exist yet",
              "SELECT count(*) FROM pg_namespace WHERE nspname = " + literal(versionSchema)));
      for (Operation op : plan.operations()) {
        index++;
        List<SqlStep> opUndo = new ArrayList<>();
        undo.add(opUndo);
        switch (op) {
          case RenameColumn o -> renameColumn(o);
          case ChangeType o -> changeType(o, opUndo);
          case AddColumn o -> addColumn(o, opUndo);
          case SetNotNull o -> setNotNull(o, opUndo);
          case AddForeignKey o -> addForeignKey(o, opUndo);
          case CreateIndex o -> createIndex(o, opUndo);
          case AddUnique o -> addUnique(o, opUndo);
          case AddCheck o -> addCheck(o, opUndo);
          case SetDefault o -> setDefault(o, opUndo);
          case CreateTable o -> createTable(o, opUndo);
          case RenameTable o -> renameTable(o, opUndo);
          case DropIndex o -> dropIndex(o);
          case DropColumn o -> dropColumn(o);
          case DropTable o -> dropTable(o);
        }
      }
      versionSchemaSteps();
      List<SqlStep> rollback = new ArrayList<>();
      for (int i = undo.size() - 1; i >= 0; i--) {
        rollback.addAll(undo.get(i));
      }
      List<Backfill> backfills = new ArrayList<>();
      fills.forEach(
          (table, columns) -> {
            String sets = assignments(columns);
            backfills.add(
                new Backfill(
                    "fill " + s + "." + table + ": " + sets,
                    s,
                    table,
                    plan.keys().get(table),
                    sets));
          });
      return new PlannedMigration(
          database,
          s,
          plan.name(),
          serverMajor,
          versionSchema,
          expand,
          backfills,
          afterBackfill,
          verify,
          contract,
          rollback,
          List.copyOf(tables),
          preflight);
    }

    // --- operations --------------------------------------------------------------------------

    private void renameColumn(RenameColumn o) {
      touch(o.table());
      tableExists(o.table());
      columnExists(o.table(), o.from());
      columnAbsent(o.table(), o.to());
      View v = view(o.table());
      v.physical.add(o.from());
      v.exposed.add(o.to());
      contract.add(
          ddl(
              "rename column " + o.table() + "." + o.from() + " to " + o.to(),
              "ALTER TABLE "
                  + t(o.table())
                  + " RENAME COLUMN "
                  + quote(o.from())
                  + " TO "
                  + quote(o.to()),
              o.table()));
    }

    private void changeType(ChangeType o, List<SqlStep> opUndo) {
      touch(o.table());
      String c = o.column();
      String n = shadowColumn(c);
      tableExists(o.table());
      columnExists(o.table(), c);
      columnAbsent(o.table(), n);
      keyIsPrimary(o.table());
      expand.add(
          ddl(
              "add column "
                  + n
                  + " "
                  + o.type()
                  + " to "
                  + s
                  + "."
                  + o.table()
                  + " (the new type of "
                  + c
                  + ")",
              "ALTER TABLE "
                  + t(o.table())
                  + " ADD COLUMN IF NOT EXISTS "
                  + quote(n)
                  + " "
                  + o.type(),
              o.table()));
      String body =
          "  IF (current_schemas(false))[1] = "
              + literal(versionSchema)
              + " THEN\n"
              + "    NEW."
              + quote(c)
              + " := (SELECT ("
              + o.down()
              + ") FROM (SELECT NEW."
              + quote(n)
              + " AS "
              + quote(c)
              + ") AS rg_row);\n"
              + "  ELSE\n"
              + "    NEW."
              + quote(n)
              + " := (SELECT ("
              + o.up()
              + ") FROM (SELECT NEW.*) AS rg_row);\n"
              + "  END IF;\n";
      trigger(o.table(), "keep " + c + " and " + n + " in sync both ways", body, opUndo);
      opUndo.add(
          ddl(
              "drop column " + n + " from " + s + "." + o.table(),
              "ALTER TABLE IF EXISTS " + t(o.table()) + " DROP COLUMN IF EXISTS " + quote(n),
              o.table()));
      fill(o.table(), quote(n), null, o.up());
      verify.add(
          check(
              "rows of " + s + "." + o.table() + " whose " + n + " differs from (" + o.up() + ")",
              "SELECT count(*) FROM "
                  + t(o.table())
                  + " WHERE "
                  + quote(n)
                  + " IS DISTINCT FROM ("
                  + o.up()
                  + ")"));
      View v = view(o.table());
      v.physical.add(n);
      v.exposed.add(c);
      v.hidden.add(c);
      contract.add(
          ddl(
              "replace " + s + "." + o.table() + "." + c + " by " + n,
              "ALTER TABLE "
                  + t(o.table())
                  + " DROP COLUMN IF EXISTS "
                  + quote(c)
                  + ";\n"
                  + "ALTER TABLE "
                  + t(o.table())
                  + " RENAME COLUMN "
                  + quote(n)
                  + " TO "
                  + quote(c),
              o.table()));
    }

    private void addColumn(AddColumn o, List<SqlStep> opUndo) {
      touch(o.table());
      String c = o.column();
      addedColumns.add(o.table() + "." + c);
      tableExists(o.table());
      columnAbsent(o.table(), c);
      expand.add(
          ddl(
              "add column " + c + " " + o.type() + " to " + s + "." + o.table(),
              "ALTER TABLE "
                  + t(o.table())
                  + " ADD COLUMN IF NOT EXISTS "
                  + quote(c)
                  + " "
                  + o.type(),
              o.table()));
      if (o.defaultValue() != null) {
        expand.add(
            ddl(
                "set the default of " + o.table() + "." + c,
                "ALTER TABLE "
                    + t(o.table())
                    + " ALTER COLUMN "
                    + quote(c)
                    + " SET DEFAULT ("
                    + o.defaultValue()
                    + ")",
                o.table()));
      }
      if (o.backfill() != null) {
        String body =
            "  IF NEW."
                + quote(c)
                + " IS NULL AND (current_schemas(false))[1] IS DISTINCT FROM "
                + literal(versionSchema)
                + " THEN\n"
                + "    NEW."
                + quote(c)
                + " := (SELECT ("
                + o.backfill()
                + ") FROM (SELECT NEW.*) AS rg_row);\n"
                + "  END IF;\n";
        trigger(o.table(), "fill " + c + " in rows the old version writes", body, opUndo);
      }
      opUndo.add(
          ddl(
              "drop column " + c + " from " + s + "." + o.table(),
              "ALTER TABLE IF EXISTS " + t(o.table()) + " DROP COLUMN IF EXISTS " + quote(c),
              o.table()));
      String value = o.backfill() != null ? o.backfill() : o.defaultValue();
      if (value != null) {
        keyIsPrimary(o.table());
        fill(o.table(), quote(c), quote(c), value);
        verify.add(
            check(
                "rows of "
                    + s
                    + "."
                    + o.table()
                    + " whose "
                    + c
                    + " is NULL where ("
                    + value
                    + ") is not",
                "SELECT count(*) FROM "
                    + t(o.table())
                    + " WHERE "
                    + quote(c)
                    + " IS NULL AND ("
                    + value
                    + ") IS NOT NULL"));
      }
    }

    private void setNotNull(SetNotNull o, List<SqlStep> opUndo) {
      touch(o.table());
      String c = o.column();
      boolean added = addedColumns.contains(o.table() + "." + c);
      if (!added) {
        tableExists(o.table());
        columnExists(o.table(), c);
      }
      if (o.backfill() != null) {
        keyIsPrimary(o.table());
        String body =
            "  IF NEW."
                + quote(c)
                + " IS NULL THEN\n"
                + "    NEW."
                + quote(c)
                + " := (SELECT ("
                + o.backfill()
                + ") FROM (SELECT NEW.*) AS rg_row);\n"
                + "  END IF;\n";
        trigger(o.table(), "replace NULL in " + c + " by (" + o.backfill() + ")", body, opUndo);
        fill(o.table(), quote(c), quote(c), o.backfill());
      } else if (!added) {
        preflight.add(
            check(
                s
                    + "."
                    + o.table()
                    + "."
                    + c
                    + " holds no NULL (set_not_null has no backfill value)",
                "SELECT count(*) FROM (SELECT 1 FROM "
                    + t(o.table())
                    + " WHERE "
                    + quote(c)
                    + " IS NULL LIMIT 1) AS rg_nulls"));
      }
      verify.add(
          check(
              "rows of " + s + "." + o.table() + " whose " + c + " is NULL",
              "SELECT count(*) FROM " + t(o.table()) + " WHERE " + quote(c) + " IS NULL"));
      if (serverMajor >= NOT_NULL_NOT_VALID) {
        String name = o.table() + "_" + c + "_not_null";
        expand.add(
            ddl(
                "NOT NULL on " + o.table() + "." + c + ", NOT VALID (new rows only)",
                "ALTER TABLE "
                    + t(o.table())
                    + " ADD CONSTRAINT "
                    + quote(name)
                    + " NOT NULL "
                    + quote(c)
                    + " NOT VALID",
                o.table()));
        afterBackfill.add(validate(o.table(), name));
        opUndo.add(dropConstraint(o.table(), name));
      } else {
        String name = PREFIX + plan.name() + "_" + index;
        expand.add(
            ddl(
                "CHECK (" + c + " IS NOT NULL) on " + o.table() + ", NOT VALID (new rows only)",
                "ALTER TABLE "
                    + t(o.table())
                    + " ADD CONSTRAINT "
                    + quote(name)
                    + " CHECK ("
                    + quote(c)
                    + " IS NOT NULL) NOT VALID",
                o.table()));
        afterBackfill.add(validate(o.table(), name));
        afterBackfill.add(
            ddl(
                "SET NOT NULL on " + o.table() + "." + c + " (the valid check spares the scan)",
                "ALTER TABLE " + t(o.table()) + " ALTER COLUMN " + quote(c) + " SET NOT NULL",
                o.table()));
        afterBackfill.add(dropConstraint(o.table(), name));
        opUndo.add(dropConstraint(o.table(), name));
        if (!added) {
          opUndo.add(
              ddl(
                  "drop NOT NULL on " + o.table() + "." + c,
                  "ALTER TABLE IF EXISTS "
                      + t(o.table())
                      + " ALTER COLUMN "
                      + quote(c)
                      + " DROP NOT NULL",
                  o.table()));
        }
      }
    }

    private void addForeignKey(AddForeignKey o, List<SqlStep> opUndo) {
      touch(o.table());
      // the referenced table is locked briefly, not changed: no view of it in the new version
      tables.add(s + "." + o.refTable());
      tableExists(o.table());
      tableExists(o.refTable());
      o.columns().forEach(c -> columnExistsUnlessAdded(o.table(), c));
      o.refColumns().forEach(c -> columnExistsUnlessAdded(o.refTable(), c));
      constraintAbsent(o.table(), o.name());
      String onDelete =
          o.onDelete() == null ? "" : " ON DELETE " + o.onDelete().toUpperCase(Locale.ROOT);
      expand.add(
          ddl(
              "foreign key "
                  + o.name()
                  + " on "
                  + o.table()
                  + " referencing "
                  + o.refTable()
                  + ", NOT VALID",
              "ALTER TABLE "
                  + t(o.table())
                  + " ADD CONSTRAINT "
                  + quote(o.name())
                  + " FOREIGN KEY ("
                  + quoteAll(o.columns())
                  + ") REFERENCES "
                  + t(o.refTable())
                  + " ("
                  + quoteAll(o.refColumns())
                  + ")"
                  + onDelete
                  + " NOT VALID",
              o.table()));
      afterBackfill.add(validate(o.table(), o.name()));
      opUndo.add(dropConstraint(o.table(), o.name()));
    }

    private void createIndex(CreateIndex o, List<SqlStep> opUndo) {
      touch(o.table());
      tableExists(o.table());
      o.columns().forEach(c -> columnExistsUnlessAdded(o.table(), c));
      relationAbsent(o.name());
      expand.add(createIndexStep(o.table(), o.name(), o.columns(), false));
      opUndo.add(dropIndexStep(o.name(), o.table()));
    }

    private SqlStep createIndexStep(
        String table, String name, List<String> columns, boolean unique) {
      String kind = unique ? "unique index" : "index";
      return new SqlStep(
          "create " + kind + " " + name + " on " + s + "." + table + " concurrently",
          "CREATE "
              + kind.toUpperCase(Locale.ROOT)
              + " CONCURRENTLY IF NOT EXISTS "
              + quote(name)
              + " ON "
              + t(table)
              + " ("
              + quoteAll(columns)
              + ")",
          Execution.CONCURRENT,
          s,
          table,
          name);
    }

    private void addUnique(AddUnique o, List<SqlStep> opUndo) {
      touch(o.table());
      tableExists(o.table());
      o.columns().forEach(c -> columnExistsUnlessAdded(o.table(), c));
      relationAbsent(o.name());
      expand.add(createIndexStep(o.table(), o.name(), o.columns(), true));
      expand.add(
          ddl(
              "unique constraint " + o.name() + " on " + o.table() + " using its index",
              "ALTER TABLE "
                  + t(o.table())
                  + " ADD CONSTRAINT "
                  + quote(o.name())
                  + " UNIQUE USING INDEX "
                  + quote(o.name()),
              o.table()));
      opUndo.add(dropConstraint(o.table(), o.name()));
      opUndo.add(dropIndexStep(o.name(), o.table()));
    }

    private void addCheck(AddCheck o, List<SqlStep> opUndo) {
      touch(o.table());
      tableExists(o.table());
      constraintAbsent(o.table(), o.name());
      expand.add(
          ddl(
              "check " + o.name() + " on " + o.table() + ", NOT VALID (new rows only)",
              "ALTER TABLE "
                  + t(o.table())
                  + " ADD CONSTRAINT "
                  + quote(o.name())
                  + " CHECK ("
                  + o.check()
                  + ") NOT VALID",
              o.table()));
      afterBackfill.add(validate(o.table(), o.name()));
      opUndo.add(dropConstraint(o.table(), o.name()));
    }

    private void setDefault(SetDefault o, List<SqlStep> opUndo) {
      touch(o.table());
      tableExists(o.table());
      columnExistsUnlessAdded(o.table(), o.column());
      expand.add(defaultStep(o.table(), o.column(), o.defaultValue(), ""));
      opUndo.add(defaultStep(o.table(), o.column(), o.previous(), " IF EXISTS"));
    }

    private SqlStep defaultStep(String table, String column, String value, String ifExists) {
      return ddl(
          (value == null ? "drop the default of " : "set the default of ") + table + "." + column,
          "ALTER TABLE"
              + ifExists
              + " "
              + t(table)
              + " ALTER COLUMN "
              + quote(column)
              + (value == null ? " DROP DEFAULT" : " SET DEFAULT (" + value + ")"),
          table);
    }

    private void createTable(CreateTable o, List<SqlStep> opUndo) {
      created.add(o.table());
      relationAbsent(o.table());
      view(o.table());
      List<String> defs = new ArrayList<>();
      for (Operation.Column c : o.columns()) {
        defs.add(
            quote(c.name())
                + " "
                + c.type()
                + (Boolean.TRUE.equals(c.notNull()) ? " NOT NULL" : "")
                + (c.defaultValue() == null ? "" : " DEFAULT (" + c.defaultValue() + ")"));
      }
      if (!o.primaryKey().isEmpty()) {
        defs.add("PRIMARY KEY (" + quoteAll(o.primaryKey()) + ")");
      }
      expand.add(
          ddl(
              "create table " + s + "." + o.table(),
              "CREATE TABLE IF NOT EXISTS "
                  + t(o.table())
                  + " (\n  "
                  + String.join(",\n  ", defs)
                  + "\n)",
              null));
      opUndo.add(
          ddl(
              "drop table " + s + "." + o.table(),
              "DROP TABLE IF EXISTS " + t(o.table()),
              o.table()));
    }

    private void renameTable(RenameTable o, List<SqlStep> opUndo) {
      tables.add(s + "." + o.from());
      tableExists(o.from());
      relationAbsent(o.to());
      view(o.to());
      expand.add(
          ddl(
              "rename table "
                  + o.from()
                  + " to "
                  + o.to()
                  + "; "
                  + o.from()
                  + " stays as an updatable view",
              "ALTER TABLE "
                  + t(o.from())
                  + " RENAME TO "
                  + quote(o.to())
                  + ";\n"
                  + "CREATE VIEW "
                  + t(o.from())
                  + " AS SELECT * FROM "
                  + t(o.to()),
              o.from()));
      contract.add(
          ddl(
              "drop the view " + o.from() + " (the old name of " + o.to() + ")",
              "DROP VIEW IF EXISTS " + t(o.from()),
              o.from()));
      opUndo.add(
          ddl(
              "rename table " + o.to() + " back to " + o.from(),
              // the old name is dropped only while it is the view (not once it is the table again)
              "DO $rg$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass("
                  + regclass(s, o.from())
                  + ") AND relkind = 'v') THEN\n    DROP VIEW "
                  + t(o.from())
                  + ";\n  END IF;\n  IF to_regclass("
                  + regclass(s, o.from())
                  + ") IS NULL THEN\n    ALTER TABLE IF EXISTS "
                  + t(o.to())
                  + " RENAME TO "
                  + quote(o.from())
                  + ";\n  END IF;\nEND\n$rg$",
              o.to()));
    }

    private void dropIndex(DropIndex o) {
      preflight.add(
          check(
              "index " + s + "." + o.name() + " exists",
              "SELECT count(*) FROM (SELECT 1) AS rg_one WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass("
                  + regclass(s, o.name())
                  + ") AND relkind = 'i')"));
      contract.add(dropIndexStep(o.name(), null));
    }

    private void dropColumn(DropColumn o) {
      touch(o.table());
      tableExists(o.table());
      columnExists(o.table(), o.column());
      view(o.table()).hidden.add(o.column());
      contract.add(
          ddl(
              "drop column " + s + "." + o.table() + "." + o.column(),
              "ALTER TABLE " + t(o.table()) + " DROP COLUMN IF EXISTS " + quote(o.column()),
              o.table()));
    }

    private void dropTable(DropTable o) {
      touch(o.table());
      tableExists(o.table());
      dropped.add(o.table());
      contract.add(
          ddl(
              "drop table " + s + "." + o.table(),
              "DROP TABLE IF EXISTS " + t(o.table()),
              o.table()));
    }

    // --- the version schema -------------------------------------------------------------------

    private void versionSchemaSteps() {
      List<View> shown = views.values().stream().filter(v -> !dropped.contains(v.table)).toList();
      String vs = quote(versionSchema);
      expand.add(
          ddl(
              "create the version schema " + versionSchema,
              "CREATE SCHEMA IF NOT EXISTS " + vs,
              null));
      List<SqlStep> dropViews = new ArrayList<>();
      for (View v : shown) {
        String columns =
            "format('%I AS %I', a.attname, coalesce(("
                + nameArray(v.exposed)
                + ")[array_position("
                + nameArray(v.physical)
                + ", a.attname)], a.attname))";
        expand.add(
            ddl(
                "the new version's view " + versionSchema + "." + v.table,
                "DO $rg$\nBEGIN\n  EXECUTE (\n    SELECT format('CREATE OR REPLACE VIEW %I.%I AS SELECT %s FROM %I.%I', "
                    + literal(versionSchema)
                    + ", "
                    + literal(v.table)
                    + ",\n      string_agg("
                    + columns
                    + ", ', ' ORDER BY a.attnum), "
                    + literal(s)
                    + ", "
                    + literal(v.table)
                    + ")\n"
                    + "    FROM pg_attribute AS a\n    WHERE a.attrelid = "
                    + regclass(s, v.table)
                    + "::regclass AND a.attnum > 0 AND NOT a.attisdropped\n      AND a.attname <> ALL ("
                    + nameArray(v.hidden)
                    + "));\nEND\n$rg$",
                v.table));
        dropViews.add(
            ddl(
                "drop the view " + versionSchema + "." + v.table,
                "DROP VIEW IF EXISTS " + quote(versionSchema, v.table),
                null));
      }
      SqlStep dropSchema =
          ddl("drop the version schema " + versionSchema, "DROP SCHEMA IF EXISTS " + vs, null);
      contract.addAll(dropViews);
      contract.add(dropSchema);
      List<SqlStep> first = new ArrayList<>(dropViews);
      first.add(dropSchema);
      undo.add(first);
    }

    // --- helpers ------------------------------------------------------------------------------

    private void trigger(String table, String what, String body, List<SqlStep> opUndo) {
      String name = PREFIX + plan.name() + "_" + index;
      String fn = quote(s, name);
      expand.add(
          ddl(
              "trigger function " + name + ": " + what,
              "CREATE OR REPLACE FUNCTION "
                  + fn
                  + "() RETURNS trigger LANGUAGE plpgsql AS $rg$\nBEGIN\n"
                  + body
                  + "  RETURN NEW;\nEND\n$rg$",
              null));
      SqlStep create =
          ddl(
              "trigger " + name + " on " + s + "." + table,
              "CREATE OR REPLACE TRIGGER "
                  + quote(name)
                  + " BEFORE INSERT OR UPDATE ON "
                  + t(table)
                  + " FOR EACH ROW EXECUTE FUNCTION "
                  + fn
                  + "()",
              table);
      expand.add(create);
      SqlStep dropTrigger =
          ddl(
              "drop trigger " + name + " on " + s + "." + table,
              "DROP TRIGGER IF EXISTS " + quote(name) + " ON " + t(table),
              table);
      SqlStep dropFunction =
          ddl("drop function " + name, "DROP FUNCTION IF EXISTS " + fn + "()", null);
      contract.add(dropTrigger);
      contract.add(dropFunction);
      opUndo.add(dropTrigger);
      opUndo.add(dropFunction);
    }

    /**
     * The backfill sets {@code column} to {@code value}, or, with {@code keep} (the column itself),
     * keeps a value already there. Several operations filling one column (a column added with a
     * backfill, then made NOT NULL with a fallback) become one assignment, {@code "c" =
     * COALESCE("c", (first), (second))}: PostgreSQL refuses two assignments to one column.
     */
    private void fill(String table, String column, String keep, String value) {
      List<String> values =
          fills
              .computeIfAbsent(table, k -> new LinkedHashMap<>())
              .computeIfAbsent(column, k -> new ArrayList<>());
      if (keep != null && values.isEmpty()) {
        values.add(keep);
      }
      values.add("(" + value + ")");
    }

    private static String assignments(Map<String, List<String>> columns) {
      List<String> sets = new ArrayList<>();
      columns.forEach(
          (column, values) ->
              sets.add(
                  column
                      + " = "
                      + (values.size() == 1
                          ? values.get(0)
                          : "COALESCE(" + String.join(", ", values) + ")")));
      return String.join(", ", sets);
    }

    private SqlStep validate(String table, String constraint) {
      return new SqlStep(
          "validate "
              + constraint
              + " on "
              + s
              + "."
              + table
              + " (scans under SHARE UPDATE EXCLUSIVE)",
          "ALTER TABLE " + t(table) + " VALIDATE CONSTRAINT " + quote(constraint),
          Execution.VALIDATE,
          s,
          table,
          null);
    }

    private SqlStep dropConstraint(String table, String constraint) {
      return ddl(
          "drop constraint " + constraint + " on " + s + "." + table,
          "ALTER TABLE IF EXISTS " + t(table) + " DROP CONSTRAINT IF EXISTS " + quote(constraint),
          table);
    }

    private SqlStep dropIndexStep(String index, String table) {
      return new SqlStep(
          "drop index " + s + "." + index + " concurrently",
          "DROP INDEX CONCURRENTLY IF EXISTS " + quote(s, index),
          Execution.CONCURRENT,
          table == null ? null : s,
          table,
          index);
    }

    private SqlStep ddl(String description, String sql, String table) {
      return new SqlStep(description, sql, Execution.DDL, table == null ? null : s, table, null);
    }

    private String t(String table) {
      return quote(s, table);
    }

    private View view(String table) {
      return views.computeIfAbsent(table, View::new);
    }

    private void touch(String table) {
      view(table);
      if (!created.contains(table)) {
        tables.add(s + "." + table);
      }
    }

    private static VerifyCheck check(String description, String sql) {
      return new VerifyCheck(description, sql);
    }

    // --- preflight ----------------------------------------------------------------------------

    private final Set<String> preflightSeen = new LinkedHashSet<>();

    private void once(String key, VerifyCheck check) {
      if (preflightSeen.add(key)) {
        preflight.add(check);
      }
    }

    private void tableExists(String table) {
      if (created.contains(table)) {
        return;
      }
      once(
          "table " + table,
          check(
              "table " + s + "." + table + " exists",
              "SELECT count(*) FROM (SELECT 1) AS rg_one WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass("
                  + regclass(s, table)
                  + ") AND relkind IN ('r', 'p'))"));
    }

    private void relationAbsent(String name) {
      once(
          "absent " + name,
          check(
              s + "." + name + " does not exist yet",
              "SELECT count(*) FROM pg_class WHERE oid = to_regclass(" + regclass(s, name) + ")"));
    }

    private void columnExists(String table, String column) {
      once(
          "column " + table + "." + column,
          check(
              "column " + s + "." + table + "." + column + " exists",
              "SELECT 1 - count(*) FROM pg_attribute WHERE attrelid = to_regclass("
                  + regclass(s, table)
                  + ") AND attname = "
                  + literal(column)
                  + " AND attnum > 0 AND NOT attisdropped"));
    }

    private void columnExistsUnlessAdded(String table, String column) {
      if (!created.contains(table) && !addedColumns.contains(table + "." + column)) {
        columnExists(table, column);
      }
    }

    private void columnAbsent(String table, String column) {
      once(
          "no column " + table + "." + column,
          check(
              "column " + s + "." + table + "." + column + " does not exist yet",
              "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass("
                  + regclass(s, table)
                  + ") AND attname = "
                  + literal(column)
                  + " AND attnum > 0 AND NOT attisdropped"));
    }

    private void constraintAbsent(String table, String name) {
      once(
          "no constraint " + table + "." + name,
          check(
              "constraint " + name + " on " + s + "." + table + " does not exist yet",
              "SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass("
                  + regclass(s, table)
                  + ") AND conname = "
                  + literal(name)));
    }

    private void keyIsPrimary(String table) {
      if (created.contains(table)) {
        return;
      }
      List<String> key = plan.keys().get(table);
      once(
          "key " + table,
          check(
              "the primary key of "
                  + s
                  + "."
                  + table
                  + " is ("
                  + String.join(", ", key)
                  + ") as keys says (a table without one cannot be backfilled)",
              "SELECT count(*) FROM (SELECT 1) AS rg_one WHERE (SELECT array_agg(a.attname ORDER BY k.ord)"
                  + " FROM pg_index AS i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                  + " JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                  + " WHERE i.indrelid = to_regclass("
                  + regclass(s, table)
                  + ") AND i.indisprimary)"
                  + " IS DISTINCT FROM "
                  + nameArray(key)));
    }
  }
}
