package dev.rollgate.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.audit.AuditEntry;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.gate.OperatorText;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import dev.rollgate.workflows.testing.dial.DialRequest;
import dev.rollgate.workflows.testing.dial.DialWorkflow;
import dev.rollgate.workflows.testing.dial.DialWorkflowImpl;
import dev.rollgate.workflows.testing.dial.Dials;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Oversized operator text (issue 15 §6: a 1 MB abort reason got the rollout terminated by the
 * server): the kit refuses --by over {@value OperatorText#MAX_BY} and --reason/--comment over
 * {@value OperatorText#MAX_TEXT} characters, audits the refusal with an excerpt only, and carries
 * on.
 */
class OperatorTextLimitsTest {
  private static final String ID = "dial/limits";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(DialWorkflowImpl.class);

  private final Dials dials = new Dials();
  private final RecordingAudit audit = new RecordingAudit();

  private DialWorkflow start(TestWorkflowEnvironment env, Worker worker, DialRequest request) {
    worker.registerActivitiesImplementations(dials, new ScriptedGuardrails(), audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    DialWorkflow wf =
        client.newWorkflowStub(
            DialWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(ID)
                .setTaskQueue(worker.getTaskQueue())
                .build());
    WorkflowClient.start(wf::turn, request);
    return client.newWorkflowStub(DialWorkflow.class, ID);
  }

  private AuditEntry lastRefusal(String action) {
    return audit.entries.stream()
        .filter(e -> e.action().equals(action))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  @Test
  void oversizedReasonCommentAndByAreRefusedAuditedWithAnExcerptAndTheReleaseGoesOn(
      TestWorkflowEnvironment env, Worker worker) {
    DialWorkflow wf =
        start(
            env,
            worker,
            DialRequest.of("limits", "alice", Duration.ofHours(1), 10, 20)
                .withApprovals(List.of(20), ApprovalPolicy.fourEyes()));
    env.sleep(Duration.ofMinutes(10));
    String megabyte = "x".repeat(1 << 20);

    ReleaseKitTest.assertRefused(
        () -> wf.abort(new OperatorCommand("bob", megabyte)),
        "--reason is 1048576 characters long, at most 1000 are accepted (\""
            + "x".repeat(40)
            + "…\")");
    ReleaseKitTest.assertRefused(
        () -> wf.pause(new OperatorCommand("b".repeat(101), "look")),
        "--by is 101 characters long, at most 100 are accepted");
    ReleaseKitTest.assertRefused(
        () -> wf.resume(new OperatorCommand("bob", "r".repeat(1001))), "--reason is 1001");
    // through a signal, as the Web UI or `temporal workflow signal` sends it
    WorkflowStub.fromTyped(wf).signal("pause", new OperatorCommand("carol", megabyte));

    env.sleep(Duration.ofSeconds(1));
    assertThat(wf.gate().rejected()).hasSize(4);
    assertThat(wf.release().phase()).isEqualTo(Phase.HOLDING);
    assertThat(wf.gate().paused()).isFalse();
    assertThat(wf.gate().rejected()).allMatch(line -> line.length() < 300);
    AuditEntry abortRefused = lastRefusal("abort-refused");
    assertThat(abortRefused.actor()).isEqualTo("bob");
    assertThat(abortRefused.details()).contains("1048576 characters").hasSizeLessThan(300);
    AuditEntry pauseRefused =
        audit.entries.stream()
            .filter(e -> e.action().equals("pause-refused"))
            .findFirst()
            .orElseThrow();
    assertThat(pauseRefused.actor()).isEqualTo("b".repeat(40) + "…");
    assertThat(audit.entries).allMatch(e -> e.details().length() < 300);

    // at the limits everything is accepted
    env.sleep(Duration.ofHours(1));
    assertThat(wf.release().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    ReleaseKitTest.assertRefused(
        () -> wf.approve(new Approval("dave", "c".repeat(1001))),
        "--comment is 1001 characters long");
    assertThat(wf.approve(new Approval("d".repeat(100), "c".repeat(1000)))).contains("1 of 1");
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("limits at 20");
  }

  @Test
  void excerptIsOneShortLine() {
    assertThat(OperatorText.excerpt("  a\n b\tc  ")).isEqualTo("a b c");
    assertThat(OperatorText.excerpt("y".repeat(41))).isEqualTo("y".repeat(40) + "…");
    assertThat(OperatorText.excerpt(" ".repeat(500) + "z")).isEqualTo("…");
    assertThat(OperatorText.textProblem("--reason", "r".repeat(1000))).isNull();
    assertThat(OperatorText.byProblem("--by", null)).isNull();
  }
}
