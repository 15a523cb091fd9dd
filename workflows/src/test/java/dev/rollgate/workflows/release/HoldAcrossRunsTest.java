package dev.rollgate.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.Runs;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import dev.rollgate.workflows.testing.dial.DialRequest;
import dev.rollgate.workflows.testing.dial.DialWorkflow;
import dev.rollgate.workflows.testing.dial.DialWorkflowImpl;
import dev.rollgate.workflows.testing.dial.Dials;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hold that continues as new in its middle: what it carries (remaining time, grid, guardrail
 * counts, pause), and its checks on a fixed grid. Through the test-only dial kind with a small
 * history budget, so that one hour's hold spans several runs.
 */
class HoldAcrossRunsTest {
  private static final String DIAL = "volume";
  private static final String ID = "dial/" + DIAL;
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** The dial, continuing as new after 150 events. */
  public static class SmallBudgetDial extends DialWorkflowImpl {
    @WorkflowInit
    public SmallBudgetDial(DialRequest request) {
      super(request);
      release.continueAsNewAfter(150);
    }
  }

  /** The dial whose every hold check takes 20 s of workflow time. */
  public static class SlowCheckDial extends DialWorkflowImpl {
    @WorkflowInit
    public SlowCheckDial(DialRequest request) {
      super(request);
    }

    @Override
    protected Runnable holdCheck() {
      Runnable check = super.holdCheck();
      return () -> {
        Workflow.sleep(Duration.ofSeconds(20));
        check.run();
      };
    }
  }

  @RegisterExtension
  static final TestWorkflowExtension temporal = KitTestEnvironment.extension(SmallBudgetDial.class);

  private final Dials dials = new Dials();
  private final ScriptedGuardrails guardrails = new ScriptedGuardrails();
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;

  private void startWorker(TestWorkflowEnvironment env, Worker worker) {
    worker.registerActivitiesImplementations(dials, guardrails, audit);
    Worker slow = env.newWorker("slow-checks");
    slow.registerWorkflowImplementationTypes(SlowCheckDial.class);
    slow.registerActivitiesImplementations(dials, guardrails, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  private DialWorkflow start(String taskQueue, DialRequest request) {
    DialWorkflow wf =
        client.newWorkflowStub(
            DialWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(taskQueue).build());
    WorkflowClient.start(wf::turn, request);
    return client.newWorkflowStub(DialWorkflow.class, ID);
  }

  private static DialRequest guarded(Analysis analysis) {
    return DialRequest.of(DIAL, "alice", HOUR, 10, 20)
        .withGuardrails(
            List.of(new Guardrail("errors", "errors", Comparison.LT, 0.01, analysis)),
            MINUTE,
            BreachPolicy.PAUSE);
  }

  @Test
  void failureCountsOfTheHoldAreCarriedAcrossContinueAsNew(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    // the third failure breaches (failureLimit 2); they come 15 checks apart, in different runs
    for (int failure = 0; failure < 3; failure++) {
      for (int i = 0; i < 15; i++) {
        guardrails.script.add(0.001);
      }
      guardrails.script.add(0.5);
    }
    DialWorkflow wf = start(queue, guarded(new Analysis(MINUTE, Duration.ZERO, 1, 2, 0, 4, false)));

    env.sleep(Duration.ofMinutes(50));

    ReleaseStatus status = wf.release();
    assertThat(status.phase()).isEqualTo(Phase.PAUSED);
    assertThat(status.gate().pausedBy()).isEqualTo("rollgate");
    assertThat(status.gate().pauseReason()).contains("guardrail breach", "errors");
    assertThat(Runs.of(client, ID))
        .as("the failures fell into different runs")
        .hasSizeGreaterThan(2);
    assertThat(dials.value.get(DIAL)).isEqualTo(10);
    wf.abort(new OperatorCommand("bob", "enough"));
  }

  @Test
  void aPausedHoldContinuesAsNewKeepingItsFrozenRemainder(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DialWorkflow wf = start(queue, guarded(Analysis.defaults(MINUTE)));
    env.sleep(
        Duration.ofMinutes(20)
            .plusSeconds(7)); // off the check grid: see OperatorVerbMatrixTest on the test server
    wf.pause(new OperatorCommand("bob", "look"));
    // the update returns once its handler ran; the hold freezes its remainder when the workflow
    // wakes next (read 0S once in CI): wait for it
    Duration frozen =
        await().atMost(Duration.ofSeconds(10)).until(() -> wf.gate().holdLeft(), d -> !d.isZero());
    assertThat(frozen).isBetween(Duration.ofMinutes(39), Duration.ofMinutes(41));
    int runsPaused = Runs.of(client, ID).size();

    // refused actions while paused grow the history past the budget; one at a time, each
    // handled before the next (a burst racing the switch trips the Java test server)
    for (int i = 0; i < 30; i++) {
      WorkflowStub.fromTyped(wf).signal("pause", new OperatorCommand("carol", "again " + i));
      long refused = i + 1;
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  audit.actions().stream().filter("carol:pause-refused"::equals).count()
                      >= refused);
    }
    env.sleep(Duration.ofHours(3));

    assertThat(Runs.of(client, ID)).hasSizeGreaterThan(runsPaused);
    ReleaseStatus paused = wf.release();
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.gate().pausedBy()).isEqualTo("bob");
    assertThat(paused.gate().holdLeft()).isEqualTo(frozen);
    assertThat(dials.value.get(DIAL)).isEqualTo(10);

    wf.resume(new OperatorCommand("bob", "fine"));
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("volume at 20");
    // 20 minutes, 3 hours paused, the 40 minutes left
    assertThat(Runs.elapsedMillis(client, ID))
        .isBetween(
            Duration.ofMinutes(20 + 180 + 40).toMillis(),
            Duration.ofMinutes(20 + 180 + 42).toMillis());
    assertThat(audit.actions()).contains("bob:pause", "carol:pause-refused", "bob:resume");
  }

  @Test
  void checksStayOnTheirGridWhenACheckIsSlow(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DialWorkflow wf = start("slow-checks", guarded(Analysis.defaults(MINUTE)));
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("volume at 20");

    // the hold is one hour, checks included: not an hour plus 59 slow checks
    assertThat(Runs.elapsedMillis(client, ID)).isLessThan(HOUR.plusMinutes(2).toMillis());
    WorkflowExecutionHistory history = client.fetchHistory(ID);
    Map<Long, String> summaries = new HashMap<>();
    List<Long> checkTimersFired = new ArrayList<>();
    for (HistoryEvent e : history.getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED) {
        summaries.put(e.getEventId(), e.getUserMetadata().getSummary().getData().toStringUtf8());
      }
      if (e.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED
          && summaries
              .getOrDefault(e.getTimerFiredEventAttributes().getStartedEventId(), "")
              .contains("check ")) {
        checkTimersFired.add(e.getEventTime().getSeconds());
      }
    }
    assertThat(summaries.values()).contains("\"check 1 of 59, hold before 20\"");
    assertThat(checkTimersFired).hasSize(59);
    for (int k = 1; k < checkTimersFired.size(); k++) {
      assertThat(checkTimersFired.get(k) - checkTimersFired.get(k - 1))
          .as("seconds between check %d and %d", k, k + 1)
          .isBetween(59L, 61L);
    }
  }
}
