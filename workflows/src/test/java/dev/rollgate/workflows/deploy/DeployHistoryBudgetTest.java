package dev.rollgate.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.Runs;
import dev.rollgate.workflows.testing.deploy.FakeEnvironments;
import dev.rollgate.workflows.testing.deploy.FakeTraffic;
import dev.rollgate.workflows.testing.deploy.ScriptedAnalysis;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.WorkflowInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The history budget (no run over 10,000 events) for a canary stage held two days at a one-minute
 * analysis interval (rollback triggers every 30 s), counted on every run's fetched history.
 */
// long, CPU-heavy: never two of these at once beside the other test classes
@ResourceLock("history-budget")
class DeployHistoryBudgetTest {
  private static final int BUDGET = 10_000;

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(DeploymentWorkflowImpl.class);

  /** The deployment with a history budget of 300 events, so that a two-hour hold spans runs. */
  public static class SmallBudgetDeployment extends DeploymentWorkflowImpl {
    @WorkflowInit
    public SmallBudgetDeployment(DeployRequest request) {
      super(request);
      release.continueAsNewAfter(300);
    }
  }

  /**
   * Records the first two runs of a canary whose hold continued as new in its middle, with a pause
   * in the second (kept in src/test/resources/deploy-histories as deploy-mid-hold-run-*.json and
   * replayed by {@link DeploymentReplayTest}).
   */
  @Test
  void aHoldSpanningRunsResumesWithoutShiftingAgainAndIsRecordedForReplay(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    Worker small = env.newWorker("small-budget");
    small.registerWorkflowImplementationTypes(SmallBudgetDeployment.class);
    FakeTraffic traffic = new FakeTraffic(env::currentTimeMillis);
    ScriptedAnalysis analysis = new ScriptedAnalysis(env::currentTimeMillis);
    RecordingAudit audit = new RecordingAudit();
    small.registerActivitiesImplementations(traffic, analysis, new FakeEnvironments(), audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = DeploymentWorkflowTest.ID;
    DeploymentWorkflow start =
        client.newWorkflowStub(
            DeploymentWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("small-budget").build());
    WorkflowClient.start(
        start::deploy,
        DeploymentWorkflowTest.canary()
            .stages(List.of(new Stage(10, Duration.ofHours(2)), new Stage(100, Duration.ZERO)))
            .approveAt(List.of(100), ApprovalPolicy.fourEyes())
            .build());
    DeploymentWorkflow wf = client.newWorkflowStub(DeploymentWorkflow.class, id);
    env.sleep(
        Duration.ofMinutes(25)
            .plusSeconds(7)); // off the check grid: see OperatorVerbMatrixTest on the test server
    wf.pause(new OperatorCommand("bob", "look"));
    env.sleep(Duration.ofMinutes(10));
    wf.resume(new OperatorCommand("bob", "fine"));
    env.sleep(Duration.ofMinutes(100));
    assertThat(wf.release().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("carol", "go"));
    assertThat(WorkflowStub.fromTyped(wf).getResult(DeployResult.class).phase())
        .isEqualTo(Phase.COMPLETED);

    assertThat(traffic.shifts).extracting(TrafficSplit::canary).containsExactly(10, 100);
    List<WorkflowExecutionHistory> runs = Runs.of(client, id);
    assertThat(runs).hasSizeGreaterThan(3);
    Path dir = Path.of("target", "recorded-histories");
    Files.createDirectories(dir);
    for (int i = 0; i < 2; i++) {
      Files.writeString(
          dir.resolve("deploy-mid-hold-run-" + (i + 1) + ".json"), runs.get(i).toJson(true));
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // two days of checks take a while on 2 cores
  void aCanaryHeldTwoDaysStaysWithinTheBudgetAcrossAPauseAndAnApprovalAfterTheSwitch(
      TestWorkflowEnvironment env, Worker worker) {
    FakeTraffic traffic = new FakeTraffic(env::currentTimeMillis);
    ScriptedAnalysis analysis = new ScriptedAnalysis(env::currentTimeMillis);
    RecordingAudit audit = new RecordingAudit();
    worker.registerActivitiesImplementations(traffic, analysis, new FakeEnvironments(), audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    DeployRequest request =
        DeploymentWorkflowTest.canary()
            .stages(List.of(new Stage(10, Duration.ofHours(48)), new Stage(100, Duration.ZERO)))
            .approveAt(List.of(100), ApprovalPolicy.fourEyes())
            .build();
    DeploymentWorkflow start =
        client.newWorkflowStub(
            DeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(DeploymentWorkflowTest.ID)
                .setTaskQueue(worker.getTaskQueue())
                .build());
    WorkflowClient.start(start::deploy, request);
    DeploymentWorkflow wf =
        client.newWorkflowStub(DeploymentWorkflow.class, DeploymentWorkflowTest.ID);

    env.sleep(
        Duration.ofHours(24)
            .plusSeconds(7)); // off the check grid: see OperatorVerbMatrixTest on the test server
    assertThat(Runs.of(client, DeploymentWorkflowTest.ID)).hasSizeGreaterThan(1);
    wf.pause(new OperatorCommand("bob", "look"));
    Duration frozen = wf.gate().holdLeft();
    env.sleep(Duration.ofHours(2));
    assertThat(wf.release().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.gate().holdLeft()).isEqualTo(frozen);
    int analysesWhilePaused = analysis.analyses.get();
    env.sleep(Duration.ofHours(1));
    assertThat(analysis.analyses.get())
        .as("nothing measured while paused")
        .isEqualTo(analysesWhilePaused);
    wf.resume(new OperatorCommand("bob", "fine"));
    env.sleep(Duration.ofHours(24).plusMinutes(30));

    assertThat(wf.release().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    assertThat(traffic.shifts).as("the held stage is not shifted again by a new run").hasSize(1);
    wf.approve(new Approval("carol", "two days are enough"));
    DeployResult result = WorkflowStub.fromTyped(wf).getResult(DeployResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.shifts).extracting(TrafficSplit::canary).containsExactly(10, 100);
    // triggers every 30 s and the background analysis every minute, for 48 hours
    assertThat(analysis.triggerChecks.get()).isBetween(5_700, 5_770);
    assertThat(analysis.analyses.get()).isBetween(2_850, 2_890);
    List<Integer> events = Runs.eventCounts(client, DeploymentWorkflowTest.ID);
    System.out.printf("canary 48h @1m: %d runs, events %s%n", events.size(), events);
    assertThat(Collections.max(events)).isLessThanOrEqualTo(BUDGET);
    assertThat(audit.actions())
        .contains("bob:pause", "bob:resume", "carol:approve", "rollgate:deploy-completed");
  }
}
