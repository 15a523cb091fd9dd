package dev.rollgate.starter.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code migrate plan}: called directly on its class (the migrate group registers it). */
class MigratePlanCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  Run plan(String fileName, String content, String... args) throws IOException {
    Path file = dir.resolve(fileName);
    if (content != null) {
      Files.writeString(file, content);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new MigratePlanCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 1];
    all[0] = file.toString();
    System.arraycopy(args, 0, all, 1, args.length);
    int code = cli.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  static final String YAML =
      """
      name: orders_v2
      keys:
        orders: [id]
      operations:
        - op: change_type
          table: orders
          column: amount
          type: numeric(12,2)
          up: amount::numeric(12,2)
          down: amount::text
        - op: set_not_null
          table: orders
          column: status
          backfill: "'unknown'"
      """;

  @Test
  void printsEveryPhaseInOrderWithExactlyTheSqlRendered() throws IOException {
    Run r = plan("plan.yaml", YAML, "--database", "shop");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith(
            "-- migration orders_v2 on database shop (PostgreSQL 18), schema public; the new"
                + " version's views are in public_orders_v2\n")
        .containsSubsequence(
            "-- preflight",
            "-- expand",
            "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"_rg_new_amount\" numeric(12,2);",
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_status_not_null\" NOT NULL \"status\" NOT VALID;",
            "CREATE SCHEMA IF NOT EXISTS \"public_orders_v2\";",
            "-- backfill",
            "UPDATE \"public\".\"orders\" SET \"_rg_new_amount\" = (amount::numeric(12,2)),"
                + " \"status\" = COALESCE(\"status\", ('unknown')) WHERE (\"id\") > (:cursor) AND"
                + " (\"id\") <= (:batch_end);",
            "-- after-backfill",
            "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"orders_status_not_null\";",
            "-- verify",
            "-- contract",
            "ALTER TABLE \"public\".\"orders\" DROP COLUMN IF EXISTS \"amount\";\nALTER TABLE \"public\".\"orders\" RENAME COLUMN \"_rg_new_amount\" TO \"amount\";",
            "-- rollback",
            "DROP SCHEMA IF EXISTS \"public_orders_v2\";",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP CONSTRAINT IF EXISTS \"orders_status_not_null\";",
            "ALTER TABLE IF EXISTS \"public\".\"orders\" DROP COLUMN IF EXISTS \"_rg_new_amount\";");
  }

  @Test
  void olderServersGetTheCheckConstraintPath() throws IOException {
    Run r = plan("plan.yaml", YAML, "--database", "shop", "--server-version", "15");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .containsSubsequence(
            "ADD CONSTRAINT \"rg_orders_v2_2\" CHECK (\"status\" IS NOT NULL) NOT VALID;",
            "-- after-backfill",
            "VALIDATE CONSTRAINT \"rg_orders_v2_2\";",
            "ALTER COLUMN \"status\" SET NOT NULL;",
            "DROP CONSTRAINT IF EXISTS \"rg_orders_v2_2\";")
        .doesNotContain("NOT NULL \"status\" NOT VALID");
  }

  @Test
  void jsonAndYamlGiveTheSameSql() throws IOException {
    String json =
        "{\"name\":\"orders_v2\",\"keys\":{\"orders\":[\"id\"]},\"operations\":["
            + "{\"op\":\"change_type\",\"table\":\"orders\",\"column\":\"amount\",\"type\":\"numeric(12,2)\","
            + "\"up\":\"amount::numeric(12,2)\",\"down\":\"amount::text\"},"
            + "{\"op\":\"set_not_null\",\"table\":\"orders\",\"column\":\"status\",\"backfill\":\"'unknown'\"}]}";
    assertThat(plan("plan.json", json, "--database", "shop").out())
        .isEqualTo(plan("plan.yaml", YAML, "--database", "shop").out());
  }

  @Test
  void aBadPlanIsExit2WithOneLinePerProblem() throws IOException {
    Run r =
        plan(
            "bad.yaml",
            """
            name: "orders; drop"
            operations:
              - op: rename_column
                table: "orders\\""
                from: status
                to: "my state"
              - op: add_column
                table: orders
                column: total
                type: numeric
                backfill: "1); DROP TABLE orders; --"
                notNull: true
            """,
            "--database",
            "shop");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines())
        .containsExactly(
            "rollgate: bad.yaml: name: 'orders; drop' is not a valid identifier (lower-case letters,"
                + " digits and _, not starting with a digit)",
            "rollgate: bad.yaml: operation 1 (rename_column): table: 'orders\"' is not a valid"
                + " identifier (lower-case letters, digits and _, not starting with a digit)",
            "rollgate: bad.yaml: operation 1 (rename_column): to: 'my state' is not a valid"
                + " identifier (lower-case letters, digits and _, not starting with a digit)",
            "rollgate: bad.yaml: operation 2 (add_column): backfill '1); DROP TABLE orders; --'"
                + " closes a parenthesis it did not open",
            "rollgate: bad.yaml: operation 2 (add_column): notNull is refused: ADD COLUMN ... NOT"
                + " NULL checks every row under an ACCESS EXCLUSIVE lock; add the column nullable"
                + " with a backfill, then set_not_null",
            "rollgate: bad.yaml: operation 2 (add_column): orders needs a backfill: give its"
                + " primary key under keys (orders: [id]); a table without a primary key cannot be"
                + " backfilled");
  }

  @Test
  void filesThatAreNotPlansAreOneLineEach() throws IOException {
    assertThat(plan("x.yaml", "name: [unclosed", "--database", "shop").err())
        .startsWith("rollgate: x.yaml: not a valid YAML plan (line ")
        .hasLineCount(1);
    assertThat(plan("x.json", "{\"name\": ", "--database", "shop").err())
        .startsWith("rollgate: x.json: not a valid JSON plan")
        .hasLineCount(1);
    assertThat(plan("e.yaml", "  \n", "--database", "shop").err())
        .isEqualTo("rollgate: e.yaml: the plan is empty\n");
    assertThat(plan("n.yaml", "name: m1\noperations: []\n", "--database", "shop").err())
        .isEqualTo("rollgate: n.yaml: the plan has no operations\n");
    Run unknown =
        plan(
            "u.yaml",
            "name: m1\noperations:\n  - op: vacuum_full\n    table: t\n",
            "--database",
            "shop");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err())
        .isEqualTo(
            "rollgate: u.yaml: operations[1]: unsupported operation 'vacuum_full' (supported:"
                + " rename_column, change_type, add_column, set_not_null, add_foreign_key,"
                + " create_index, add_unique, add_check, set_default, create_table, rename_table,"
                + " drop_index, drop_column, drop_table)\n");
    assertThat(
            plan(
                    "p.yaml",
                    "name: m1\noperations:\n  - op: drop_table\n    tabel: t\n",
                    "--database",
                    "shop")
                .err())
        .isEqualTo("rollgate: p.yaml: operations[1].tabel: unknown property 'tabel'\n");
    Run missing = plan("absent.yaml", null, "--database", "shop");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err())
        .startsWith("rollgate: cannot read ")
        .endsWith("absent.yaml: no such file\n");
  }

  @Test
  void jsonOutputCarriesThePhasesForScripts() throws IOException {
    Run r = plan("plan.yaml", YAML, "--database", "shop", "-o", "json");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"versionSchema\" : \"public_orders_v2\"", "\"expand\" : [");
  }
}
