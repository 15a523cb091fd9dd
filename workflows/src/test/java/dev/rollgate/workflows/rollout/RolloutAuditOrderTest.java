package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.audit.AuditEntry;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit log reads in the order the rollout acted (issue 15 §6: `rollout-completed` was logged 9
 * ms before the final flag-change). The flag store writes the flag-change row with the time the
 * workflow gives the change ({@link FlagChange#auditAtMillis()}), taken from the same strictly
 * increasing clock as the workflow's own entries.
 */
class RolloutAuditOrderTest {
  private static final String FLAG = "ordered";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(FlagRolloutWorkflowImpl.class);

  private final RecordingAudit audit = new RecordingAudit();
  private InMemoryFlags flags;

  private FlagRolloutWorkflow start(TestWorkflowEnvironment env, Worker worker) {
    flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
    worker.registerActivitiesImplementations(flags, new ScriptedGuardrails(), audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    FlagRolloutWorkflow wf =
        client.newWorkflowStub(
            FlagRolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(FlagRolloutWorkflow.workflowId(FLAG))
                .setTaskQueue(worker.getTaskQueue())
                .build());
    RolloutPlan plan = RolloutPlan.explicit(List.of(5.0, 50.0, 100.0), Duration.ofHours(1));
    WorkflowClient.start(wf::run, StartRolloutRequest.of(FLAG, "alice", plan));
    return client.newWorkflowStub(FlagRolloutWorkflow.class, FlagRolloutWorkflow.workflowId(FLAG));
  }

  /** Every flag change, as the store would log it, merged with the workflow's own entries. */
  private List<String> auditInTimeOrder() {
    List<AuditEntry> all = new java.util.ArrayList<>(audit.entries);
    for (InMemoryFlags.Applied change : flags.applied) {
      all.add(
          new AuditEntry(
              "flag-change/" + change.key(),
              FlagRolloutWorkflow.workflowId(FLAG),
              "flag-store",
              "flag-change " + (change.kill() ? "kill" : change.percent() + " %"),
              "",
              change.auditAtMillis()));
    }
    return all.stream()
        .sorted(Comparator.comparingLong(AuditEntry::atMillis))
        .map(AuditEntry::action)
        .toList();
  }

  private long distinctTimes() {
    return audit.entries.stream().mapToLong(AuditEntry::atMillis).distinct().count()
        + flags.applied.stream().mapToLong(InMemoryFlags.Applied::auditAtMillis).distinct().count();
  }

  @Test
  void theFinalFlagChangeIsLoggedBeforeTheRolloutCompleted(
      TestWorkflowEnvironment env, Worker worker) {
    FlagRolloutWorkflow wf = start(env, worker);
    WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);

    assertThat(flags.applied).allMatch(c -> c.auditAtMillis() > 0);
    assertThat(distinctTimes()).isEqualTo(audit.entries.size() + flags.applied.size());
    assertThat(auditInTimeOrder())
        .containsSubsequence(
            "rollout-started",
            "flag-change 5.0 %",
            "flag-change 50.0 %",
            "flag-change 100.0 %",
            "rollout-completed");
    assertThat(auditInTimeOrder().getLast()).isEqualTo("rollout-completed");
  }

  @Test
  void theKillSwitchIsLoggedAfterTheAbortAndBeforeTheRolloutAborted(
      TestWorkflowEnvironment env, Worker worker) {
    FlagRolloutWorkflow wf = start(env, worker);
    env.sleep(Duration.ofMinutes(30));
    wf.abort(new OperatorCommand("bob", "incident"));
    env.sleep(Duration.ofSeconds(5));

    assertThat(auditInTimeOrder())
        .containsSubsequence("flag-change 5.0 %", "abort", "flag-change kill", "rollout-aborted");
  }
}
