package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A worker dies after writing a step: the retried activity must not apply it again. */
class FlagRolloutRetryTest {
  private static final String QUEUE = "failover";
  private static final String FLAG = "failover_flag";

  private TestWorkflowEnvironment env;
  private InMemoryFlags flags;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.getDefaultInstance());
    env.registerSearchAttribute("RollgateKind", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("RollgateTarget", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("RollgatePhase", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("RollgateProgress", IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private WorkerFactory startWorker() {
    // no workflow cache: no sticky queue bound to a dead worker, and every task replays history
    WorkerFactory factory =
        WorkerFactory.newInstance(
            env.getWorkflowClient(),
            WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(0).build());
    var worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(FlagRolloutWorkflowImpl.class);
    worker.registerActivitiesImplementations(flags, new ScriptedGuardrails(), new RecordingAudit());
    factory.start();
    return factory;
  }

  private WorkflowStub startRollout() {
    FlagRolloutWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                FlagRolloutWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(FlagRolloutWorkflow.workflowId(FLAG))
                    .setTaskQueue(QUEUE)
                    .build());
    WorkflowClient.start(
        wf::run,
        StartRolloutRequest.of(
            FLAG, "alice", RolloutPlan.explicit(List.of(10.0, 50.0, 100.0), Duration.ofHours(1))));
    return WorkflowStub.fromTyped(wf);
  }

  // A worker process killed mid-rollout and a new one taking over is checked end to end in
  // .ci/e2e on the real Temporal dev server: the Java test server loses tasks that were handed
  // to a poller of a worker shut down in-process.

  @Test
  void activityRetriedAfterACrashAfterItsWriteAppliesTheStepOnce() {
    flags.failFirstAttemptAfterWriting = true;
    startWorker();

    RolloutResult result = startRollout().getResult(RolloutResult.class);

    assertThat(result.finalPercent()).isEqualTo(100.0);
    assertThat(flags.applied).hasSize(3);
    assertThat(flags.applied).extracting(InMemoryFlags.Applied::attempt).containsOnly(1);
    assertThat(flags.get(FLAG).version()).isEqualTo(4);
  }
}
