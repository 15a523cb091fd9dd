package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.Runs;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.WorkflowInit;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The history budget (no run over 10,000 events) for the longest holds the CLI accepts, counted on
 * every run's fetched history, not read off the code.
 */
// long, CPU-heavy: never two of these at once beside the other test classes
@ResourceLock("history-budget")
class RolloutHistoryBudgetTest {
  private static final String FLAG = "week_long";
  private static final int BUDGET = 10_000;

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(FlagRolloutWorkflowImpl.class);

  /** The rollout with a history budget of 200 events, so that a two-hour hold spans runs. */
  public static class SmallBudgetRollout extends FlagRolloutWorkflowImpl {
    @WorkflowInit
    public SmallBudgetRollout(StartRolloutRequest request) {
      super(request);
      release.continueAsNewAfter(200);
    }
  }

  private static StartRolloutRequest guarded(Duration hold, List<Guardrail> guardrails) {
    return new StartRolloutRequest(
        FLAG,
        "alice",
        "test",
        RolloutPlan.explicit(List.of(50.0, 100.0), hold),
        guardrails,
        Duration.ofMinutes(1),
        BreachPolicy.PAUSE,
        List.of(100.0),
        ApprovalPolicy.fourEyes(),
        0,
        null);
  }

  /**
   * Records the runs of a rollout that continued as new in the middle of its hold, with a pause in
   * one run and the approval in another (kept in src/test/resources/histories as
   * kit-mid-hold-*.json.gz and replayed by {@link FlagRolloutReplayTest}).
   */
  @Test
  void aHoldSpanningRunsResumesWhereItWasAndIsRecordedForReplay(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    Worker small = env.newWorker("small-budget");
    small.registerWorkflowImplementationTypes(SmallBudgetRollout.class);
    InMemoryFlags flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
    ScriptedGuardrails guardrails = new ScriptedGuardrails();
    RecordingAudit audit = new RecordingAudit();
    small.registerActivitiesImplementations(flags, guardrails, audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = FlagRolloutWorkflow.workflowId(FLAG);
    FlagRolloutWorkflow wf =
        client.newWorkflowStub(
            FlagRolloutWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("small-budget").build());
    WorkflowClient.start(
        wf::run,
        guarded(
            Duration.ofHours(2), List.of(new Guardrail("errors", "errors", Comparison.LT, 0.01))));
    FlagRolloutWorkflow running = client.newWorkflowStub(FlagRolloutWorkflow.class, id);

    env.sleep(
        Duration.ofMinutes(50)
            .plusSeconds(7)); // off the check grid: see OperatorVerbMatrixTest on the test server
    running.pause(new OperatorCommand("bob", "look"));
    env.sleep(Duration.ofMinutes(30));
    running.resume(new OperatorCommand("bob", "fine"));
    env.sleep(Duration.ofMinutes(75));
    assertThat(running.status().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    running.approve(new Approval("carol", "go"));
    assertThat(client.newUntypedWorkflowStub(id).getResult(RolloutResult.class).phase())
        .isEqualTo(Phase.COMPLETED);

    // two hours of unpaused hold on a one-minute grid, whatever the runs
    assertThat(guardrails.checks.get()).isBetween(119, 122);
    List<WorkflowExecutionHistory> runs = Runs.of(client, id);
    assertThat(runs).hasSizeGreaterThan(3);
    Path dir = Path.of("target", "recorded-histories");
    Files.createDirectories(dir);
    for (int i = 0; i < 2; i++) {
      try (Writer out =
          new OutputStreamWriter(
              new GZIPOutputStream(
                  Files.newOutputStream(dir.resolve("kit-mid-hold-run-" + (i + 1) + ".json.gz"))),
              StandardCharsets.UTF_8)) {
        out.write(runs.get(i).toJson(true));
      }
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // long: on a busy 2-core machine
  void sevenDayHoldCheckedEveryMinuteWithTwoGuardrailsStaysWithinTheBudgetAcrossPauseAndApproval(
      TestWorkflowEnvironment env, Worker worker) {
    InMemoryFlags flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
    ScriptedGuardrails guardrails = new ScriptedGuardrails();
    RecordingAudit audit = new RecordingAudit();
    worker.registerActivitiesImplementations(flags, guardrails, audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    StartRolloutRequest request =
        new StartRolloutRequest(
            FLAG,
            "alice",
            "week",
            RolloutPlan.explicit(List.of(50.0, 100.0), Duration.ofDays(7)),
            List.of(
                new Guardrail("errors", "errors", Comparison.LT, 0.01),
                new Guardrail("latency", "latency", Comparison.LT, 0.5)),
            Duration.ofMinutes(1),
            BreachPolicy.PAUSE,
            List.of(100.0),
            ApprovalPolicy.fourEyes(),
            0,
            null);
    FlagRolloutWorkflow wf =
        client.newWorkflowStub(
            FlagRolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(FlagRolloutWorkflow.workflowId(FLAG))
                .setTaskQueue(worker.getTaskQueue())
                .build());
    WorkflowClient.start(wf::run, request);
    FlagRolloutWorkflow running =
        client.newWorkflowStub(FlagRolloutWorkflow.class, FlagRolloutWorkflow.workflowId(FLAG));
    long t0 = env.currentTimeMillis();

    env.sleep(
        Duration.ofDays(3)
            .plusSeconds(7)); // off the check grid: see OperatorVerbMatrixTest on the test server
    assertThat(Runs.of(client, FlagRolloutWorkflow.workflowId(FLAG)))
        .as("continued as new in the middle of the hold")
        .hasSizeGreaterThan(1);
    running.pause(new OperatorCommand("bob", "look at the dashboards"));
    Duration leftAtPause = running.status().release().gate().holdLeft();
    assertThat(leftAtPause)
        .isBetween(Duration.ofDays(4).minusMinutes(2), Duration.ofDays(4).plusMinutes(2));
    env.sleep(Duration.ofDays(1));
    RolloutStatus paused = running.status();
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.release().gate().holdLeft()).isEqualTo(leftAtPause);
    assertThat(paused.release().gate().pausedBy()).isEqualTo("bob");
    running.resume(new OperatorCommand("bob", "fine"));
    env.sleep(Duration.ofDays(4).plusHours(1));

    assertThat(running.status().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    running.approve(new Approval("carol", "after the switch"));
    RolloutResult result =
        client
            .newUntypedWorkflowStub(FlagRolloutWorkflow.workflowId(FLAG))
            .getResult(RolloutResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(flags.applied)
        .extracting(InMemoryFlags.Applied::percent)
        .containsExactly(50.0, 100.0);
    // 7 days of unpaused hold plus the day paused; then the approval, an hour later
    long at100 = flags.applied.getLast().atMillis() - t0;
    assertThat(at100)
        .isBetween(
            Duration.ofDays(8).plusHours(1).toMillis(),
            Duration.ofDays(8).plusHours(1).plusMinutes(2).toMillis());
    // one check a minute for 7 days (none while paused), two guardrails read together
    assertThat(guardrails.checks.get()).isBetween(10_000, 10_090);
    List<Integer> events = Runs.eventCounts(client, FlagRolloutWorkflow.workflowId(FLAG));
    System.out.printf(
        "rollout 7d hold @1m, 2 guardrails: %d runs, events %s%n", events.size(), events);
    assertThat(Collections.max(events)).isLessThanOrEqualTo(BUDGET);
    assertThat(audit.actions())
        .contains("bob:pause", "bob:resume", "carol:approve", "rollgate:rollout-completed");
  }
}
