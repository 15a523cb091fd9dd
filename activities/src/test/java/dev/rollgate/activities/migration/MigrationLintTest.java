package dev.rollgate.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.SqlStep;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL rendered for every operation passes squawk (the PostgreSQL migration linter), phase by
 * phase, except for the rules in {@link #IGNORED}: each names the phases where it cannot apply and
 * why (the same list is in docs/migration-plans.md). Every ignore must still be needed, so the list
 * cannot outlive the SQL it excuses.
 */
class MigrationLintTest {
  /** A rule squawk reports that cannot apply in some phases, and why. */
  record Ignore(String rule, Set<String> phases, String reason) {}

  static final List<Ignore> IGNORED =
      List.of(
          new Ignore(
              "ban-drop-column",
              Set.of("contract", "rollback"),
              "contract drops what the old version used once applications moved; rollback drops"
                  + " only the columns expand added"),
          new Ignore(
              "ban-drop-table",
              Set.of("contract", "rollback"),
              "drop_table is contract-only; rollback drops only a table create_table added"),
          new Ignore(
              "ban-drop-constraint",
              Set.of("after-backfill", "rollback"),
              "rollback drops only the constraints expand added; before PostgreSQL 18,"
                  + " after-backfill drops the helper CHECK (col IS NOT NULL) once SET NOT NULL"
                  + " holds the same guarantee"),
          new Ignore(
              "ban-drop-not-null",
              Set.of("rollback"),
              "rollback restores a column set_not_null made NOT NULL on a server before 18"),
          new Ignore(
              "ban-drop-default",
              Set.of("rollback"),
              "rollback restores set_default's previous value, none"),
          new Ignore(
              "ban-drop-view",
              Set.of("contract", "rollback"),
              "the views dropped are the migration's own: the version schema's, and the old name"
                  + " rename_table kept"),
          new Ignore(
              "ban-drop-schema",
              Set.of("contract", "rollback"),
              "the schema dropped is the migration's own version schema, empty by then"),
          new Ignore(
              "ban-drop-function",
              Set.of("contract", "rollback"),
              "the functions dropped are the migration's own dual-write trigger functions"),
          new Ignore(
              "renaming-column",
              Set.of("contract"),
              "the new version has used the new name through its view since expand; contract runs"
                  + " when no old-version application is left"),
          new Ignore(
              "renaming-table",
              Set.of("expand"),
              "the old name stays as an updatable view in the same transaction until contract"));

  /**
   * A step as the executor runs it (SqlStep.Execution): DDL and VALIDATE in their own transaction
   * with a short lock_timeout (VALIDATE without a statement timeout), CONCURRENT outside a
   * transaction.
   */
  static String asExecuted(SqlStep step) {
    return switch (step.execution()) {
      case DDL ->
          "BEGIN;\nSET LOCAL lock_timeout = '500ms';\nSET LOCAL statement_timeout = '60s';\n"
              + step.sql()
              + ";\nCOMMIT;\n";
      case VALIDATE ->
          "BEGIN;\nSET LOCAL lock_timeout = '500ms';\nSET LOCAL statement_timeout = 0;\n"
              + step.sql()
              + ";\nCOMMIT;\n";
      case CONCURRENT ->
          "SET lock_timeout = '500ms';\nSET statement_timeout = 0;\n" + step.sql() + ";\n";
    };
  }

  static List<String> asExecuted(List<SqlStep> steps) {
    return steps.stream().map(MigrationLintTest::asExecuted).toList();
  }

  @TempDir Path dir;

  @Test
  void everyOperationsSqlPassesSquawk() throws Exception {
    Path squawk = RequiredTools.require(Tools.SQUAWK);
    Map<Path, String> phaseOf = new LinkedHashMap<>();
    List<Object[]> cases = new ArrayList<>();
    MigrationPlans.OPERATIONS.keySet().forEach(op -> cases.add(new Object[] {op, 18}));
    cases.add(new Object[] {"set_not_null", 15});
    for (Object[] c : cases) {
      PlannedMigration p = MigrationPlans.render((String) c[0], (int) c[1]);
      Map<String, List<String>> phases = new LinkedHashMap<>();
      phases.put("expand", asExecuted(p.expand()));
      phases.put(
          "backfill",
          p.backfills().stream()
              .map(
                  b ->
                      "UPDATE \""
                          + b.schema()
                          + "\".\""
                          + b.table()
                          + "\" SET "
                          + b.set()
                          + " WHERE \"id\" > 0 AND \"id\" <= 1000")
              .toList());
      phases.put("after-backfill", asExecuted(p.afterBackfill()));
      phases.put("contract", asExecuted(p.contract()));
      phases.put("rollback", asExecuted(p.rollback()));
      for (var phase : phases.entrySet()) {
        if (phase.getValue().isEmpty()) {
          continue;
        }
        Path file = dir.resolve(c[0] + "-pg" + c[1] + "-" + phase.getKey() + ".sql");
        Files.writeString(
            file, String.join(";\n", phase.getValue()) + ";\n", StandardCharsets.UTF_8);
        phaseOf.put(file.getFileName(), phase.getKey());
      }
    }
    List<String> command =
        new ArrayList<>(List.of(squawk.toString(), "--reporter", "json", "--pg-version", "18.0"));
    phaseOf.keySet().forEach(f -> command.add(dir.resolve(f).toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    JsonNode violations = new ObjectMapper().readTree(out);
    assertThat(violations.isArray()).as("squawk's JSON report; stderr: %s", err).isTrue();
    List<String> left = new ArrayList<>();
    Set<String> used = new TreeSet<>();
    for (JsonNode v : violations) {
      Path file = Path.of(v.path("file").asText()).getFileName();
      String rule = v.path("rule_name").asText();
      String phase = phaseOf.get(file);
      Ignore ignore =
          IGNORED.stream()
              .filter(i -> i.rule().equals(rule) && i.phases().contains(phase))
              .findFirst()
              .orElse(null);
      if (ignore == null) {
        left.add(
            file + ":" + v.path("line").asText() + " " + rule + ": " + v.path("message").asText());
      } else {
        used.add(rule + "@" + phase);
      }
    }
    assertThat(left).as("squawk violations not on the ignore list").isEmpty();
    List<String> needed = new ArrayList<>();
    IGNORED.forEach(i -> i.phases().forEach(ph -> needed.add(i.rule() + "@" + ph)));
    assertThat(used).as("every ignore is still needed").containsExactlyInAnyOrderElementsOf(needed);
  }
}
