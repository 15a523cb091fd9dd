package dev.rollgate.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.testing.DevServers;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.Runs;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import dev.rollgate.workflows.testing.dial.DialRequest;
import dev.rollgate.workflows.testing.dial.DialWorkflow;
import dev.rollgate.workflows.testing.dial.DialWorkflowImpl;
import dev.rollgate.workflows.testing.dial.Dials;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TemporalDevServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Holds that continue as new in their middle, on a real Temporal dev server with a small history
 * budget: operator updates sent while the release switches runs are not lost (the server and the
 * SDK retry them on the new run), and pause, approval and abort work across several switches.
 */
// long, CPU-heavy: never two of these at once beside the other test classes
@ResourceLock("history-budget")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HoldAcrossRunsDevServerTest {
  private static final String QUEUE = "hold-across-runs";
  private static final int BUDGET = 120;

  /** The dial, continuing as new after {@value #BUDGET} events. */
  public static class TinyBudgetDial extends DialWorkflowImpl {
    @WorkflowInit
    public TinyBudgetDial(DialRequest request) {
      super(request);
      release.continueAsNewAfter(BUDGET);
    }
  }

  private TemporalDevServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory factory;
  private WorkflowClient client;
  private final Dials dials = new Dials();
  private final ScriptedGuardrails guardrails = new ScriptedGuardrails();
  private final RecordingAudit audit = new RecordingAudit();

  @BeforeAll
  void start() {
    server = DevServers.start();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(server.getTarget()).build());
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    operator
        .blockingStub()
        .addSearchAttributes(
            AddSearchAttributesRequest.newBuilder()
                .setNamespace(server.getNamespace())
                .putAllSearchAttributes(
                    Map.of(
                        RollgateSearchAttributes.KIND.getName(),
                        IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        RollgateSearchAttributes.TARGET.getName(),
                        IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        RollgateSearchAttributes.PHASE.getName(),
                        IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        RollgateSearchAttributes.PROGRESS.getName(),
                        IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE))
                .build());
    client = WorkflowClient.newInstance(service);
    factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TinyBudgetDial.class);
    worker.registerActivitiesImplementations(dials, guardrails, audit);
    factory.start();
  }

  @AfterAll
  void stop() {
    if (factory != null) {
      factory.shutdownNow();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // long: on a busy 2-core machine
  void pauseApproveAndAbortAcrossSeveralSwitchesWithNoUpdateLost() {
    String id = "dial/dev-server";
    DialRequest request =
        new DialRequest(
                "dev-server",
                "alice",
                List.of(10, 20, 30),
                Duration.ofSeconds(4),
                List.of(),
                null,
                BreachPolicy.PAUSE,
                List.of(),
                null,
                0,
                0,
                null)
            .withGuardrails(
                List.of(new Guardrail("errors", "errors", Comparison.LT, 0.01)),
                Duration.ofMillis(100),
                BreachPolicy.PAUSE)
            .withApprovals(List.of(30), ApprovalPolicy.fourEyes());
    DialWorkflow start =
        client.newWorkflowStub(
            DialWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build());
    WorkflowClient.start(start::turn, request);
    DialWorkflow wf = client.newWorkflowStub(DialWorkflow.class, id);

    // pause and resume over and over while the hold switches runs every ~20 checks: every
    // update is answered, none lost or answered twice
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> Runs.of(client, id).size() >= 2);
    int runsBefore = Runs.of(client, id).size();
    int pairs = 30;
    for (int i = 0; i < pairs; i++) {
      assertThat(wf.pause(new OperatorCommand("bob", "look " + i))).startsWith("paused");
      assertThat(wf.resume(new OperatorCommand("bob", "go " + i))).isEqualTo("resumed");
    }
    // 60 updates are well over the 120-event budget: the storm crossed switches
    assertThat(Runs.of(client, id).size()).isGreaterThan(runsBefore);

    // the approval gate before 30 is reached in a later run, after the hold's switches
    // (on a timeout Awaitility prints the last status read: phase, step, gate and pause)
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(wf::release, status -> status.phase() == Phase.AWAITING_APPROVAL);
    assertThat(wf.approve(new Approval("carol", "after the switches"))).contains("1 of 1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Integer.valueOf(30).equals(dials.value.get("dev-server")));

    WorkflowStub.fromTyped(wf).getResult(String.class);
    List<Integer> events = Runs.eventCounts(client, id);
    System.out.printf("dev server, budget %d: %d runs, events %s%n", BUDGET, events.size(), events);
    // a run switches at the budget; a storm of updates can hold the switch back a little (the
    // server refuses to close a run while updates arrive, and the worker tries again)
    assertThat(Collections.max(events)).isLessThan(BUDGET * 8);
    long pauses = audit.actions().stream().filter("bob:pause"::equals).count();
    long resumes = audit.actions().stream().filter("bob:resume"::equals).count();
    assertThat(pauses).isEqualTo(pairs);
    assertThat(resumes).isEqualTo(pairs);
    assertThat(audit.actions()).contains("carol:approve", "rollgate:dial-completed");
  }

  @Test
  void abortInTheMiddleOfAHoldThatSwitchedRunsUndoesTheChanges() {
    String id = "dial/dev-abort";
    DialRequest request =
        DialRequest.of("dev-abort", "alice", Duration.ofSeconds(90), 10, 20)
            .withGuardrails(
                List.of(new Guardrail("errors", "errors", Comparison.LT, 0.01)),
                Duration.ofMillis(100),
                BreachPolicy.PAUSE);
    DialWorkflow start =
        client.newWorkflowStub(
            DialWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build());
    WorkflowClient.start(start::turn, request);
    DialWorkflow wf = client.newWorkflowStub(DialWorkflow.class, id);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Runs.of(client, id).size() >= 3);
    assertThat(wf.pause(new OperatorCommand("bob", "look"))).startsWith("paused");
    assertThat(wf.abort(new OperatorCommand("dave", "enough"))).isEqualTo("aborted");

    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class))
        .contains("aborted by dave: enough", "dev-abort back to 0");
    assertThat(dials.value.get("dev-abort")).isZero();
    assertThat(audit.actions()).contains("bob:pause", "dave:abort", "rollgate:dial-aborted");
  }
}
