package dev.rollgate.workflows.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryMigrations;
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
 * The history budget for migrations: a backfill of 1,500 slices (at 5 minutes a slice, five days of
 * backfill) across two tables, then a 4-day soak with a pause in its middle and an approval: the
 * cursor and progress are carried across continue-as-new and no run passes 10,000 events. Long
 * (about 60 s on a busy 2-core machine): 700 activity round trips are what crosses a
 * continue-as-new.
 */
class MigrationHistoryBudgetTest {
  private static final String ID = MigrationRequest.workflowId("orders", "big");

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(MigrationWorkflowImpl.class);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aLongBackfillAndAMultiDaySoakStayUnderTheBudget(TestWorkflowEnvironment env, Worker w) {
    InMemoryMigrations db = new InMemoryMigrations(env::currentTimeMillis);
    db.rowsTotal = 350 * 1_000;
    db.rowsPerSlice = 1_000;
    RecordingAudit audit = new RecordingAudit();
    w.registerActivitiesImplementations(db, audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(w.getTaskQueue()).build());
    WorkflowClient.start(
        wf::run,
        MigrationRequest.of("orders", "big", "alice", Plans.amountNumeric("orders", "big", 2))
            .withSwitch(1, Duration.ofDays(4))
            .withoutBackup("budget test"));

    // watch the fake, not the workflow: a query racing a continue-as-new on the Java test server
    // can leave its time skipping locked
    await().atMost(Duration.ofSeconds(240)).until(() -> db.sliceTargets.size() >= 700);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().phase() == Phase.HOLDING);
    env.sleep(Duration.ofDays(2));
    wf.pause(new OperatorCommand("bob", "look"));
    env.sleep(Duration.ofDays(1));
    wf.resume(new OperatorCommand("bob", "fine"));
    env.sleep(Duration.ofDays(2));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> wf.migration().release().phase() == Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("carol", "reads moved"));
    MigrationResult result = client.newUntypedWorkflowStub(ID).getResult(MigrationResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    List<Integer> counts = Runs.eventCounts(client, ID);
    System.out.println("migration runs: " + counts.size() + ", events per run: " + counts);
    assertThat(counts.size()).isGreaterThanOrEqualTo(2);
    assertThat(counts).allSatisfy(n -> assertThat(n).isLessThan(10_000));
    // every slice ran once: 350 per table, none repeated or lost across the switches
    assertThat(db.sliceTargets).hasSize(700);
    assertThat(wf.migration().filled())
        .extracting(BackfillProgress::rowsDone)
        .containsExactly(350_000L, 350_000L);
    assertThat(audit.actions()).contains("bob:pause", "bob:resume", "carol:approve");
  }
}
