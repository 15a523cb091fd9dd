package dev.rollgate.workflows.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryKeyRotation;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.Runs;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The history budget for key rotations: 8,000 data keys rewrapped one per batch (800 slices of 10
 * batches), a pause in the middle of the rewrap, and the approval after a continue-as-new: the
 * cursor and counts are carried across runs, every data key is rewrapped exactly once and no run
 * passes 10,000 events. Long (about a minute on a busy 2-core machine): some 800 activity round
 * trips are what it takes to cross a continue-as-new at 4,000 events.
 */
class KeyRotationHistoryBudgetTest {
  private static final String KEY = "rollgate";
  private static final String ID = KeyRotationRequest.workflowId(KEY);

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(KeyRotationWorkflowImpl.class);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aRewrapOfManyBatchesStaysUnderTheBudget(TestWorkflowEnvironment env, Worker w) {
    InMemoryKeyRotation transit = new InMemoryKeyRotation(KEY, 8_000);
    RecordingAudit audit = new RecordingAudit();
    w.registerActivitiesImplementations(transit, audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    KeyRotationWorkflow wf =
        client.newWorkflowStub(
            KeyRotationWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(w.getTaskQueue()).build());
    WorkflowClient.start(wf::run, KeyRotationRequest.of(KEY, "alice").withBatchSize(1));

    // watch the fake, not the workflow, while it runs: a query racing a continue-as-new on the
    // Java test server can leave its time skipping locked
    await().atMost(Duration.ofSeconds(120)).until(() -> rewraps(transit) >= 300);
    wf.pause(new OperatorCommand("bob", "look"));
    long held = rewraps(transit);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> wf.rotation().release().phase() == Phase.PAUSED);
    assertThat(rewraps(transit)).isLessThanOrEqualTo(held + 1); // the slice in flight, no more
    wf.resume(new OperatorCommand("bob", "fine"));
    await().atMost(Duration.ofSeconds(180)).until(() -> rewraps(transit) >= 801);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> wf.rotation().release().phase() == Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("carol", "all rewrapped"));
    KeyRotationResult result = client.newUntypedWorkflowStub(ID).getResult(KeyRotationResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    List<Integer> counts = Runs.eventCounts(client, ID);
    System.out.println("key rotation runs: " + counts.size() + ", events per run: " + counts);
    assertThat(counts.size()).isGreaterThanOrEqualTo(2);
    assertThat(counts).allSatisfy(n -> assertThat(n).isLessThan(10_000));
    // every slice ran once and every data key was rewrapped once, none lost across the switches
    // 800 slices of 10 batches, and one whose single batch finds nothing left
    assertThat(rewraps(transit)).isEqualTo(801);
    assertThat(wf.rotation().rewrapped()).isEqualTo(8_000);
    assertThat(wf.rotation().rewrap().batches()).isEqualTo(8_001);
    assertThat(transit.dataKeys.values()).containsOnly(2);
    assertThat(transit.keys.get(KEY)).containsExactly(2, 2);
    assertThat(audit.actions()).contains("bob:pause", "bob:resume", "carol:approve");
  }

  private static long rewraps(InMemoryKeyRotation transit) {
    return transit.calls.stream().filter(c -> c.startsWith("rewrap")).count();
  }
}
