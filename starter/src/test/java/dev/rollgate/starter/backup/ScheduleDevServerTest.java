package dev.rollgate.starter.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.testing.DevServers;
import io.temporal.testing.TemporalDevServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code rollgate backup schedule ...} against a real Temporal dev server (the Java test server has
 * no Schedules), started by {@link DevServers}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduleDevServerTest {
  private TemporalDevServer server;
  private String address;

  @BeforeAll
  void start() {
    server = DevServers.start();
    address = server.getTarget();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  record Result(int exit, String out, String err) {}

  private Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--address=" + address);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        RollgateCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void createListPauseUnpauseTriggerDelete() throws Exception {
    Result created =
        cli(
            "backup",
            "schedule",
            "create",
            "--database",
            "orders",
            "--cron",
            "0 2 * * *",
            "--keep-last",
            "14",
            "--by",
            "alice");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.out()).contains("created schedule backup/orders");
    assertThat(
            cli(
                    "backup",
                    "schedule",
                    "create",
                    "--database",
                    "orders",
                    "--cron",
                    "0 4 * * 0",
                    "--kind",
                    "drill",
                    "--by",
                    "alice")
                .exit())
        .isZero();
    Result again =
        cli(
            "backup",
            "schedule",
            "create",
            "--database",
            "orders",
            "--cron",
            "0 3 * * *",
            "--by",
            "alice");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("schedule 'backup/orders' exists");

    Result list = cli("backup", "schedule", "list");
    assertThat(list.out())
        .containsPattern("backup/orders\\s+ACTIVE\\s+\\S+T02:00:00Z\\s+0")
        .contains("drill/orders", "cron '0 2 * * *' by alice");

    assertThat(cli("backup", "schedule", "pause", "backup/orders").out())
        .contains("backup/orders: paused");
    assertThat(cli("backup", "schedule", "list").out()).containsPattern("backup/orders\\s+PAUSED");
    assertThat(cli("backup", "schedule", "unpause", "backup/orders").exit()).isZero();

    assertThat(cli("backup", "schedule", "trigger", "backup/orders").out()).contains("triggered");
    // the run's id: the action's workflow id plus Temporal's "-<nominal time, RFC 3339>"
    JsonNode row =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    Console.JSON
                        .readTree(cli("backup", "schedule", "list", "-o", "json").out())
                        .get(0),
                r -> r.path("runs").asLong() == 1);
    assertThat(row.path("lastRun").asText())
        .matches("backup/orders/scheduled-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

    assertThat(cli("backup", "schedule", "delete", "backup/orders").out()).contains("deleted");
    assertThat(cli("backup", "schedule", "delete", "drill/orders").exit()).isZero();
    Result gone = cli("backup", "schedule", "pause", "backup/orders");
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.err()).contains("no schedule 'backup/orders'");
    assertThat(cli("backup", "schedule", "list").out()).contains("no backup or drill schedules");
  }
}
