package dev.rollgate.workflows.migration.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.SqlStep.Execution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigrationPlannerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static MigrationPlan plan(String operationsJson) {
    return plan(
        "{\"name\":\"m1\",\"keys\":{\"orders\":[\"id\"]},\"operations\":[" + operationsJson + "]}",
        0);
  }

  static MigrationPlan plan(String json, int unused) {
    try {
      return JSON.readValue(json, MigrationPlan.class);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<String> sql(List<SqlStep> steps) {
    return steps.stream().map(SqlStep::sql).toList();
  }

  @Test
  void addColumnWithBackfillAddsNullableColumnDefaultTriggerAndFill() {
    PlannedMigration p =
        MigrationPlanner.render(
            plan(
                """
                {"op":"add_column","table":"orders","column":"note","type":"text",
                 "default":"'none'","backfill":"'legacy ' || id"}"""),
            "shop",
            18);
    assertThat(p.versionSchema()).isEqualTo("public_m1");
    assertThat(sql(p.expand()))
        .startsWith(
            "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"note\" text",
            "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"note\" SET DEFAULT ('none')");
    assertThat(p.expand().get(2).sql())
        .startsWith("CREATE OR REPLACE FUNCTION \"public\".\"rg_m1_1\"() RETURNS trigger")
        .contains("NEW.\"note\" := (SELECT ('legacy ' || id) FROM (SELECT NEW.*) AS rg_row)");
    assertThat(p.expand().get(3).sql())
        .isEqualTo(
            "CREATE OR REPLACE TRIGGER \"rg_m1_1\" BEFORE INSERT OR UPDATE ON \"public\".\"orders\""
                + " FOR EACH ROW EXECUTE FUNCTION \"public\".\"rg_m1_1\"()");
    assertThat(p.expand()).allMatch(s -> s.execution() == Execution.DDL);
    assertThat(p.backfills())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.table()).isEqualTo("orders");
              assertThat(b.keyColumns()).containsExactly("id");
              assertThat(b.set()).isEqualTo("\"note\" = COALESCE(\"note\", ('legacy ' || id))");
            });
    assertThat(sql(p.rollback()))
        .containsSubsequence(
            "DROP VIEW IF EXISTS \"public_m1\".\"orders\"",
            "DROP SCHEMA IF EXISTS \"public_m1\"",
            "DROP TRIGGER IF EXISTS \"rg_m1_1\" ON \"public\".\"orders\"",
            "DROP FUNCTION IF EXISTS \"public\".\"rg_m1_1\"()",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP COLUMN IF EXISTS \"note\"");
    assertThat(p.tables()).containsExactly("public.orders");
  }

  @Test
  void renderIsDeterministicAndThePlanTravelsAsJson() throws Exception {
    MigrationPlan plan =
        plan("{\"op\":\"add_column\",\"table\":\"orders\",\"column\":\"note\",\"type\":\"text\"}");
    MigrationPlan back = JSON.readValue(JSON.writeValueAsString(plan), MigrationPlan.class);
    assertThat(back).isEqualTo(plan);
    assertThat(MigrationPlanner.render(back, "shop", 18))
        .isEqualTo(MigrationPlanner.render(plan, "shop", 18));
  }

  @Test
  void anEmptyPlanIsRefused() {
    assertThatThrownBy(
            () ->
                MigrationPlanner.render(
                    new MigrationPlan("m1", null, Map.of(), List.of()), "shop", 18))
        .isInstanceOf(InvalidPlanException.class)
        .hasMessage("the plan has no operations");
  }

  static List<String> problems(String operationsJson) {
    return MigrationPlanner.validate(plan(operationsJson), 18);
  }

  @Test
  void setNotNullOn18IsANotValidNotNullConstraintThenValidate() {
    PlannedMigration p =
        MigrationPlanner.render(
            plan("{\"op\":\"set_not_null\",\"table\":\"orders\",\"column\":\"status\"}"),
            "shop",
            18);
    assertThat(sql(p.expand()))
        .contains(
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_status_not_null\" NOT NULL"
                + " \"status\" NOT VALID");
    assertThat(p.afterBackfill())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.execution()).isEqualTo(Execution.VALIDATE);
              assertThat(s.sql())
                  .isEqualTo(
                      "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT"
                          + " \"orders_status_not_null\"");
            });
    assertThat(p.backfills()).isEmpty();
    assertThat(p.preflight())
        .anySatisfy(c -> assertThat(c.sql()).contains("WHERE \"status\" IS NULL LIMIT 1"));
  }

  @Test
  void twoOperationsFillingOneColumnAreOneAssignment() {
    // an added column with a backfill, then made NOT NULL with a fallback: PostgreSQL refuses
    // "multiple assignments to same column", so the backfill coalesces both in plan order
    PlannedMigration p =
        MigrationPlanner.render(
            plan(
                "{\"op\":\"add_column\",\"table\":\"orders\",\"column\":\"band\",\"type\":\"text\","
                    + "\"backfill\":\"case when total > 5 then 'high' end\"},"
                    + "{\"op\":\"set_not_null\",\"table\":\"orders\",\"column\":\"band\","
                    + "\"backfill\":\"'low'\"},"
                    + "{\"op\":\"add_column\",\"table\":\"orders\",\"column\":\"note\",\"type\":\"text\","
                    + "\"backfill\":\"'n'\"}"),
            "shop",
            18);

    assertThat(p.backfills()).hasSize(1);
    assertThat(p.backfills().getFirst().set())
        .isEqualTo(
            "\"band\" = COALESCE(\"band\", (case when total > 5 then 'high' end), ('low')),"
                + " \"note\" = COALESCE(\"note\", ('n'))");
  }

  @Test
  void setNotNullBefore18IsACheckThenSetNotNullThenTheCheckDropped() {
    PlannedMigration p =
        MigrationPlanner.render(
            plan(
                "{\"op\":\"set_not_null\",\"table\":\"orders\",\"column\":\"status\",\"backfill\":\"'x'\"}"),
            "shop",
            15);
    assertThat(sql(p.expand()))
        .contains(
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"rg_m1_1\" CHECK (\"status\" IS NOT"
                + " NULL) NOT VALID")
        .noneMatch(s -> s.contains("NOT NULL \"status\" NOT VALID"));
    assertThat(sql(p.afterBackfill()))
        .containsExactly(
            "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"rg_m1_1\"",
            "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"status\" SET NOT NULL",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP CONSTRAINT IF EXISTS \"rg_m1_1\"");
    assertThat(sql(p.rollback()))
        .contains(
            "ALTER TABLE IF EXISTS \"public\".\"orders\" ALTER COLUMN \"status\" DROP NOT NULL");
    assertThat(p.backfills().getFirst().set())
        .isEqualTo("\"status\" = COALESCE(\"status\", ('x'))");
  }

  @Test
  void changeTypeAddsAShadowColumnWithTriggersBothWaysAndSwapsItAtContract() {
    PlannedMigration p =
        MigrationPlanner.render(
            plan(
                "{\"op\":\"change_type\",\"table\":\"orders\",\"column\":\"amount\","
                    + "\"type\":\"numeric(12,2)\",\"up\":\"amount::numeric\",\"down\":\"amount::text\"}"),
            "shop",
            18);
    String function = p.expand().get(1).sql();
    assertThat(function)
        .contains("IF (current_schemas(false))[1] = 'public_m1' THEN")
        .contains(
            "NEW.\"amount\" := (SELECT (amount::text) FROM (SELECT NEW.\"_rg_new_amount\" AS"
                + " \"amount\") AS rg_row)")
        .contains(
            "NEW.\"_rg_new_amount\" := (SELECT (amount::numeric) FROM (SELECT NEW.*) AS rg_row)");
    assertThat(p.verify())
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.sql())
                    .isEqualTo(
                        "SELECT count(*) FROM \"public\".\"orders\" WHERE \"_rg_new_amount\" IS"
                            + " DISTINCT FROM (amount::numeric)"));
    String view = p.expand().get(4).sql();
    assertThat(view)
        .startsWith("DO $rg$")
        .contains("ARRAY['amount']::name[])[array_position(ARRAY['_rg_new_amount']::name[]")
        .contains("a.attname <> ALL (ARRAY['amount']::name[])");
  }

  @Test
  void eachOperationLandsInItsPhasesWithTheRightExecution() {
    PlannedMigration p =
        MigrationPlanner.render(
            plan(
                String.join(
                    ",",
                    "{\"op\":\"rename_column\",\"table\":\"orders\",\"from\":\"a\",\"to\":\"b\"}",
                    "{\"op\":\"add_foreign_key\",\"table\":\"orders\",\"name\":\"fk\",\"columns\":[\"c\"],"
                        + "\"refTable\":\"customers\",\"refColumns\":[\"id\"],\"onDelete\":\"cascade\"}",
                    "{\"op\":\"create_index\",\"table\":\"orders\",\"name\":\"ix\",\"columns\":[\"c\",\"d\"]}",
                    "{\"op\":\"add_unique\",\"table\":\"orders\",\"name\":\"uq\",\"columns\":[\"e\"]}",
                    "{\"op\":\"add_check\",\"table\":\"orders\",\"name\":\"ck\",\"check\":\"e > 0\"}",
                    "{\"op\":\"set_default\",\"table\":\"orders\",\"column\":\"e\",\"default\":\"1\",\"previous\":\"0\"}",
                    "{\"op\":\"create_table\",\"table\":\"t2\",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"notNull\":true}],\"primaryKey\":[\"id\"]}",
                    "{\"op\":\"rename_table\",\"from\":\"old_t\",\"to\":\"new_t\"}",
                    "{\"op\":\"drop_index\",\"name\":\"old_ix\"}",
                    "{\"op\":\"drop_column\",\"table\":\"orders\",\"column\":\"f\"}",
                    "{\"op\":\"drop_table\",\"table\":\"gone\"}")),
            "shop",
            18);
    assertThat(sql(p.expand()))
        .contains(
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"fk\" FOREIGN KEY (\"c\") REFERENCES"
                + " \"public\".\"customers\" (\"id\") ON DELETE CASCADE NOT VALID",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"ix\" ON \"public\".\"orders\" (\"c\", \"d\")",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"uq\" ON \"public\".\"orders\" (\"e\")",
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"uq\" UNIQUE USING INDEX \"uq\"",
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"ck\" CHECK (e > 0) NOT VALID",
            "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"e\" SET DEFAULT (1)",
            "CREATE TABLE IF NOT EXISTS \"public\".\"t2\" (\n  \"id\" bigint NOT NULL,\n  PRIMARY KEY"
                + " (\"id\")\n)",
            "ALTER TABLE \"public\".\"old_t\" RENAME TO \"new_t\";\nCREATE VIEW \"public\".\"old_t\" AS"
                + " SELECT * FROM \"public\".\"new_t\"")
        .noneMatch(s -> s.contains("old_ix") || s.contains("DROP"));
    assertThat(p.expand())
        .filteredOn(s -> s.sql().contains("CONCURRENTLY"))
        .extracting(SqlStep::execution, SqlStep::index)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Execution.CONCURRENT, "ix"),
            org.assertj.core.groups.Tuple.tuple(Execution.CONCURRENT, "uq"));
    assertThat(sql(p.afterBackfill()))
        .containsExactly(
            "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"fk\"",
            "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"ck\"");
    assertThat(sql(p.contract()))
        .containsSubsequence(
            "ALTER TABLE \"public\".\"orders\" RENAME COLUMN \"a\" TO \"b\"",
            "DROP VIEW IF EXISTS \"public\".\"old_t\"",
            "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"old_ix\"",
            "ALTER TABLE \"public\".\"orders\" DROP COLUMN IF EXISTS \"f\"",
            "DROP TABLE IF EXISTS \"public\".\"gone\"",
            "DROP VIEW IF EXISTS \"public_m1\".\"orders\"",
            "DROP SCHEMA IF EXISTS \"public_m1\"");
    // rollback: the version schema first, then every operation undone in reverse order
    assertThat(sql(p.rollback()))
        .containsSubsequence(
            "DROP SCHEMA IF EXISTS \"public_m1\"",
            "DROP TABLE IF EXISTS \"public\".\"t2\"",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" ALTER COLUMN \"e\" SET DEFAULT (0)",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP CONSTRAINT IF EXISTS \"ck\"",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP CONSTRAINT IF EXISTS \"uq\"",
            "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"uq\"",
            "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"ix\"",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP CONSTRAINT IF EXISTS \"fk\"")
        .allMatch(s -> s.contains("IF EXISTS") || s.startsWith("DO $rg$"));
    // the new version: orders (renamed and dropped column hidden), the new table, the renamed
    // table; not the dropped one
    assertThat(p.expand())
        .filteredOn(s -> s.sql().startsWith("DO $rg$"))
        .extracting(SqlStep::table)
        .containsExactly("orders", "t2", "new_t");
    assertThat(p.tables())
        .containsExactly("public.orders", "public.customers", "public.old_t", "public.gone");
  }

  @Test
  void hostileIdentifiersAreRefusedNeverQuotedAround() {
    for (String hostile :
        List.of(
            "orders\\\" ; DROP TABLE x; --",
            "Orders",
            "my table",
            "a;b",
            "1abc",
            "\u00e9t\u00e9",
            "x".repeat(64))) {
      String json = JSON.valueToTree(hostile).toString();
      assertThat(problems("{\"op\":\"drop_table\",\"table\":" + json + "}"))
          .as(hostile)
          .singleElement()
          .asString()
          .startsWith("operation 1 (drop_table): table: ");
      assertThatThrownBy(() -> Sql.quote(hostile)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Sql.quote("public", "orders")).isEqualTo("\"public\".\"orders\"");
  }

  @Test
  void expressionsAreEmbeddedAsWrittenButMustBeOneExpression() {
    assertThat(Sql.expressionProblem("coalesce(a, 'x;y') || ')'")).isNull();
    assertThat(Sql.expressionProblem("\"Mixed\" + 1")).isNull();
    assertThat(Sql.expressionProblem("1; DROP TABLE t")).contains("holds ';'");
    assertThat(Sql.expressionProblem("1 -- x")).contains("comment");
    assertThat(Sql.expressionProblem("1 /* x */")).contains("comment");
    assertThat(Sql.expressionProblem("$rg$ x $rg$")).contains("'$'");
    assertThat(Sql.expressionProblem("'open")).contains("quote open");
    assertThat(Sql.expressionProblem("(1")).contains("parenthesis open");
    assertThat(Sql.expressionProblem("1)")).contains("did not open");
    assertThat(Sql.typeProblem("numeric(12,2)")).isNull();
    assertThat(Sql.typeProblem("timestamp(3) with time zone")).isNull();
    assertThat(Sql.typeProblem("text[]")).isNull();
    assertThat(Sql.typeProblem("text; DROP TABLE t")).isNotNull();
    assertThat(Sql.typeProblem("int DEFAULT 1")).isNotNull().contains("not a type name");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    List<String> problems =
        MigrationPlanner.validate(
            new MigrationPlan(
                "Bad Name",
                "public",
                Map.of(),
                java.util.Arrays.asList(
                    null,
                    new Operation.RenameColumn("orders", "a", "a"),
                    new Operation.ChangeType("orders", "amount", "numeric", null, "x"),
                    new Operation.AddForeignKey(
                        "orders", "fk", List.of("a", "b"), "c", List.of("id"), "explode"),
                    new Operation.CreateIndex("orders", "ix", List.of()),
                    new Operation.CreateIndex("orders", "ix", List.of("a")))),
            13);
    assertThat(problems)
        .containsExactly(
            "PostgreSQL 13 is not supported: plans render for PostgreSQL 14 and newer",
            "name: 'Bad Name' is not a valid identifier (lower-case letters, digits and _, not"
                + " starting with a digit)",
            "operation 1 is empty",
            "operation 2 (rename_column): from and to are the same column",
            "operation 3 (change_type): up is missing",
            "operation 3 (change_type): orders needs a backfill: give its primary key under keys"
                + " (orders: [id]); a table without a primary key cannot be backfilled",
            "operation 4 (add_foreign_key): columns and refColumns differ in number",
            "operation 4 (add_foreign_key): onDelete must be one of cascade, restrict, set null,"
                + " set default, no action",
            "operation 5 (create_index): columns lists no column",
            "operation 6 (create_index): the name ix is used twice in this plan");
  }

  @Test
  void refusalsThatNeedNoCatalogue() {
    assertThat(
            problems(
                "{\"op\":\"add_column\",\"table\":\"orders\",\"column\":\"c\",\"type\":\"int\"},"
                    + "{\"op\":\"set_not_null\",\"table\":\"orders\",\"column\":\"c\"}"))
        .containsExactly(
            "operation 2 (set_not_null): orders.c is added by this plan without a value, so its"
                + " rows hold NULLs: give a backfill value");
    assertThat(
            problems(
                "{\"op\":\"rename_column\",\"table\":\"orders\",\"from\":\"a\",\"to\":\"b\"},"
                    + "{\"op\":\"drop_column\",\"table\":\"orders\",\"column\":\"a\"}"))
        .containsExactly(
            "operation 2 (drop_column): orders.a is already changed by operation 1"
                + " (rename_column); one operation per column and plan");
    assertThat(
            problems(
                "{\"op\":\"rename_table\",\"from\":\"orders\",\"to\":\"sales\"},"
                    + "{\"op\":\"drop_column\",\"table\":\"sales\",\"column\":\"a\"}"))
        .containsExactly(
            "operation 2: table sales is renamed by this plan; a renamed table takes no other"
                + " operation in the same plan");
    assertThat(
            problems(
                "{\"op\":\"add_column\",\"table\":\"orders\",\"column\":\"c\",\"type\":\"int\",\"notNull\":true}"))
        .singleElement()
        .asString()
        .contains("ACCESS EXCLUSIVE");
    assertThat(
            MigrationPlanner.validate(
                new MigrationPlan(
                    "m1", "public", Map.of(), List.of(new Operation.SetNotNull("t", "c", "0"))),
                18))
        .containsExactly(
            "operation 1 (set_not_null): t needs a backfill: give its primary key under keys (t:"
                + " [id]); a table without a primary key cannot be backfilled");
  }
}
