package dev.rollgate.starter.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.starter.RollgateCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollgate migrate ...} as registered in the CLI: bad input is one line on stderr and exit
 * 2, before anything connects (no worker or Temporal runs here).
 */
class MigrateCliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run rollgate(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void theGroupIsMigrateAndMigrationWithItsCommands() {
    Run help = rollgate("migrate", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("start", "status", "resize", "plan", "abort", "approve");
    assertThat(rollgate("migration", "resize", "--help").out()).contains("--batch-target");
  }

  @Test
  void aPlanFileThatIsNotAPlanIsRefusedBeforeAnythingStarts() throws Exception {
    Path file = dir.resolve("plan.yaml");
    Files.writeString(file, "name: [unclosed");
    Run r = rollgate("migrate", "start", file.toString(), "--database", "orders", "--by", "alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1).first().asString().startsWith("rollgate: ");
  }

  @Test
  void anInvalidPlanIsRefusedWithItsProblems() throws Exception {
    Path file = dir.resolve("plan.yaml");
    Files.writeString(file, "name: orders_v2\noperations: []\n");
    Run r = rollgate("migrate", "start", file.toString(), "--database", "orders", "--by", "alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("rollgate: plan.yaml: ");
  }

  @Test
  void aBatchTargetOverOneSecondIsRefused() {
    Run r =
        rollgate("migrate", "resize", "orders/orders_v2", "--batch-target", "5s", "--by", "alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("between 50 ms and 1000 ms");
  }

  @Test
  void aTargetThatIsNotDatabaseSlashNameIsRefused() {
    Run r = rollgate("migrate", "resize", "orders", "--batch-target", "200ms", "--by", "alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("is not DATABASE/NAME");
  }
}
