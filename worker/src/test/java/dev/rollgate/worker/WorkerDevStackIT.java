package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.RolloutPlan;
import dev.rollgate.workflows.rollout.RolloutResult;
import dev.rollgate.workflows.rollout.StartRolloutRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

/**
 * The whole worker on its dev stack (embedded PostgreSQL, Redis, S3 and the in-process Temporal
 * server, all on free ports): health, metrics, and a rollout run by the real activities.
 */
@WorkerOnDevStack
class WorkerDevStackIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Autowired Environment env;
  @Autowired WorkflowClient client;
  @Autowired FlagStore flagStore;
  @Autowired DSLContext db;

  private String get(String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + env.getProperty("local.server.port") + path);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void healthHasSeparateUpComponentsForEveryServer() throws Exception {
    JsonNode health = JSON.readTree(get("/actuator/health"));

    assertThat(health.path("status").asText()).isEqualTo("UP");
    for (String component : List.of("db", "redis", "s3", "temporal", "devStack")) {
      assertThat(health.path("components").path(component).path("status").asText())
          .as(component)
          .isEqualTo("UP");
    }
  }

  private String componentStatus(String component) throws Exception {
    return JSON.readTree(get("/actuator/health"))
        .path("components")
        .path(component)
        .path("status")
        .asText();
  }

  @Test
  void killedRedisShowsDownInHealthUntilTheDevStackHasRestartedIt() throws Exception {
    long pid =
        JSON.readTree(get("/actuator/health"))
            .at("/components/devStack/details/redis/pid")
            .asLong();
    assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              assertThat(componentStatus("devStack")).isEqualTo("DOWN");
              assertThat(componentStatus("redis")).isEqualTo("DOWN");
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(componentStatus("devStack")).isEqualTo("UP");
              assertThat(componentStatus("redis")).isEqualTo("UP");
            });
  }

  @Test
  void backupOfTheDevStacksOwnDatabaseRunsOnTheRealEngine() {
    dev.rollgate.activities.RequiredTools.require(dev.rollgate.activities.Tools.PG_DUMP);
    String id =
        dev.rollgate.workflows.backup.BackupIds.manual(
            dev.rollgate.workflows.backup.BackupWorkflow.KIND, "rollgate", java.time.Instant.now());
    dev.rollgate.workflows.backup.BackupWorkflow backup =
        client.newWorkflowStub(
            dev.rollgate.workflows.backup.BackupWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.ROLLGATE)
                .build());
    dev.rollgate.workflows.backup.BackupResult result =
        backup.run(dev.rollgate.workflows.backup.BackupRequest.of("rollgate", "alice"));
    assertThat(result.phase()).as(result.summary()).isEqualTo(Phase.COMPLETED);
    assertThat(result.backup().status()).isEqualTo("COMPLETED");
    assertThat(result.backup().sha256()).hasSize(64);
    assertThat(result.backup().rowCounts()).containsKey("public.rollgate_audit");
  }

  @Test
  void rolloutRunsOnTheRealActivitiesAndReachesEveryClient() throws Exception {
    flagStore.apply(
        new FlagStore.Change("it_flag", d -> d, true, "it/create", "alice", "test", null));
    String redisUrl = env.getProperty("rollgate.redis.url");
    try (FlagsClient flags = FlagsClient.builder().redisUri(redisUrl).build().start()) {
      FlagRolloutWorkflow rollout =
          client.newWorkflowStub(
              FlagRolloutWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(FlagRolloutWorkflow.workflowId("it_flag"))
                  .setTaskQueue(TaskQueues.ROLLGATE)
                  .build());

      RolloutResult result =
          rollout.run(
              StartRolloutRequest.of(
                  "it_flag",
                  "alice",
                  RolloutPlan.explicit(List.of(10.0, 100.0), Duration.ofSeconds(1))));

      assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> flags.isEnabled("it_flag", EvaluationContext.of("anyone")));
    }
    List<String> actions =
        db.resultQuery(
                "select action from rollgate_audit where workflow_id = ? order by id",
                FlagRolloutWorkflow.workflowId("it_flag"))
            .fetch(0, String.class);
    // the flag store audits each step's change in its own transaction, as it happens
    assertThat(actions).contains("rollout-started").endsWith("rollout-completed");
    assertThat(actions.stream().filter("flag-change"::equals)).hasSizeGreaterThanOrEqualTo(2);

    String metrics = get("/actuator/prometheus");
    assertThat(metrics).contains("rollgate_flag_changes_total");
    assertThat(metrics).contains("temporal_");
  }

  @Test
  void staleFlagsAreAGaugePerTypeScrapedByPrometheus() {
    flagStore.apply(
        new FlagStore.Change(
            "it_stale_ops",
            d -> d.withType(dev.rollgate.flags.FlagType.OPERATIONAL),
            true,
            "it/stale-ops",
            "alice",
            "test",
            null));
    // created 8 days ago: past the operational lifetime of 7 days
    db.execute(
        "update rollgate_flag_change set changed_at = now() - interval '8 days'"
            + " where flag = 'it_stale_ops'");

    // the gauge reads the store at most every 30 s
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(get("/actuator/prometheus"))
                    .containsPattern(
                        "rollgate_flags_stale\\{[^}]*type=\"operational\"[^}]*\\} [1-9]"));
  }
}
