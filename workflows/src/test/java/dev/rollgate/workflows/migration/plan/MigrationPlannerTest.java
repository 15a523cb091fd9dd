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
}
