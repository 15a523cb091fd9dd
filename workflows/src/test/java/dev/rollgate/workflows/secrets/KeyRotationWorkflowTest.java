package dev.rollgate.workflows.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryKeyRotation;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The key-rotation kind on the kit, with transit and the data-key table in memory. */
class KeyRotationWorkflowTest {
  private static final String KEY = "rollgate";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(KeyRotationWorkflowImpl.class);

  private InMemoryKeyRotation transit;
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;

  private void startWorker(TestWorkflowEnvironment env, Worker worker, int dataKeys) {
    transit = new InMemoryKeyRotation(KEY, dataKeys);
    worker.registerActivitiesImplementations(transit, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  private KeyRotationWorkflow start(KeyRotationRequest request) {
    KeyRotationWorkflow wf =
        client.newWorkflowStub(
            KeyRotationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(KeyRotationRequest.workflowId(request.key()))
                .setTaskQueue(queue)
                .build());
    WorkflowClient.start(wf::run, request);
    return wf;
  }

  private KeyRotationResult result(String key) {
    return client
        .newUntypedWorkflowStub(KeyRotationRequest.workflowId(key))
        .getResult(KeyRotationResult.class);
  }

  /** Writes the finished history to target/recorded-histories-secrets (replay fixtures). */
  private void record(String name) throws java.io.IOException {
    Path dir = Path.of("target", "recorded-histories-secrets");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(name + ".json"),
        client.fetchHistory(KeyRotationRequest.workflowId(KEY)).toJson(true));
  }

  private static void awaitPhase(KeyRotationWorkflow wf, Phase phase) {
    await().atMost(Duration.ofSeconds(30)).until(() -> wf.rotation().release().phase() == phase);
  }

  @Test
  void rotatesRewrapsInBatchesAndRaisesTheMinimumOnlyAfterApproval(
      TestWorkflowEnvironment env, Worker w) throws Exception {
    startWorker(env, w, 25);
    KeyRotationWorkflow wf = start(KeyRotationRequest.of(KEY, "alice").withBatchSize(2));

    awaitPhase(wf, Phase.AWAITING_APPROVAL);
    KeyRotationStatus waiting = wf.rotation();
    // rotated and every data key rewrapped, but the old version still decrypts
    assertThat(transit.keys.get(KEY)).containsExactly(2, 1);
    assertThat(transit.dataKeys.values()).containsOnly(2);
    assertThat(waiting.stage()).isEqualTo("approval");
    assertThat(waiting.toVersion()).isEqualTo(2);
    assertThat(waiting.rewrap().batches()).isEqualTo(13);
    assertThat(waiting.rewrap().rewrapped()).isEqualTo(25);
    assertThat(waiting.rewrapped()).isEqualTo(25);
    assertThat(waiting.release().progress()).isEqualTo(85);
    assertThat(waiting.release().details())
        .contains("waiting for 1 approval")
        .contains("the initiator (alice) may not approve");
    assertThat(transit.calls).filteredOn(c -> c.startsWith("rewrap")).hasSize(2); // 10 + 3 batches
    assertThat(transit.calls).noneMatch(c -> c.startsWith("raise"));
    assertThatThrownBy(() -> wf.approve(new Approval("alice", "mine")))
        .isInstanceOf(WorkflowUpdateException.class);

    wf.approve(new Approval("bob", "rewrap checked"));
    KeyRotationResult result = result(KEY);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .isEqualTo(
            "rotated rollgate to v2; 25 data keys rewrapped; minimum decryption version v1 -> v2");
    assertThat(transit.keys.get(KEY)).containsExactly(2, 2);
    assertThat(transit.calls)
        .containsSubsequence("inspect rollgate", "rotate rollgate", "rewrap rollgate")
        .endsWith("inspect rollgate below v2", "raise rollgate to v2");
    // audit rows are written asynchronously: their order here is not the workflow's
    assertThat(audit.actions())
        .contains(
            "alice:rotate-key-started",
            "rollgate:key-rotated",
            "rollgate:rewrapped",
            "alice:approve-refused",
            "bob:approve",
            "rollgate:min-decryption-version-raised",
            "rollgate:secrets-completed");
    assertThat(wf.rotation().stage()).isEqualTo("done");
    record("rotate-key-approved");
  }

  @Test
  void abortBeforeTheLastStepKeepsTheOldVersionsDecrypting(TestWorkflowEnvironment env, Worker w)
      throws Exception {
    startWorker(env, w, 5);
    KeyRotationWorkflow wf = start(KeyRotationRequest.of(KEY, "alice"));
    awaitPhase(wf, Phase.AWAITING_APPROVAL);

    wf.abort(new OperatorCommand("bob", "not today"));
    KeyRotationResult result = result(KEY);

    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(result.summary())
        .startsWith("aborted by bob: not today")
        .contains("minimum decryption version of rollgate stays v1");
    // rotated (never undone) but the minimum is where it was: v1 and v2 both decrypt
    assertThat(transit.keys.get(KEY)).containsExactly(2, 1);
    assertThat(transit.calls).contains("keep rollgate at v1").noneMatch(c -> c.startsWith("raise"));
    assertThat(audit.actions()).contains("bob:abort", "rollgate:secrets-aborted");
    record("rotate-key-aborted");
  }

  @Test
  void abortDuringTheRewrapStopsAfterTheSliceInFlight(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w, 1_000);
    transit.sliceRealMillis = 500;
    KeyRotationWorkflow wf = start(KeyRotationRequest.of(KEY, "alice").withBatchSize(5));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> wf.rotation().rewrap() != null && wf.rotation().rewrap().scanned() > 0);
    assertThat(wf.rotation().release().details())
        .contains("rewrap ")
        .contains("of 1,000 data keys:")
        .contains("rewrapped to v2")
        .contains("batches of 5");

    wf.abort(new OperatorCommand("bob", "stop"));

    assertThat(result(KEY).phase()).isEqualTo(Phase.ABORTED);
    assertThat(transit.keys.get(KEY)).containsExactly(2, 1);
    assertThat(transit.calls).last().isEqualTo("keep rollgate at v1");
    assertThat(transit.dataKeys.values()).contains(1, 2); // part rewrapped: both decrypt
  }

  @Test
  void onceTheRaiseRunsAbortAndPauseAreRefused(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w, 4);
    transit.raiseRealMillis = 3_000;
    KeyRotationWorkflow wf = start(KeyRotationRequest.of(KEY, "alice"));
    awaitPhase(wf, Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("bob", "go"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> transit.calls.contains("raise rollgate to v2"));

    assertThatThrownBy(() -> wf.abort(new OperatorCommand("carol", "wait")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining(
            "the minimum decryption version of rollgate is being raised to v2: it cannot be"
                + " rolled back");
    assertThatThrownBy(() -> wf.pause(new OperatorCommand("carol", "wait")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("the last step: nothing is left to pause");
    assertThat(result(KEY).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(transit.keys.get(KEY)).containsExactly(2, 2);
    assertThat(audit.actions()).contains("carol:abort-refused", "carol:pause-refused");
  }

  @Test
  void dataKeysWrittenWithTheOldVersionDuringAPassAreTakenByAnother(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w, 30);
    transit.lateOldKeys = 3;
    KeyRotationWorkflow wf = start(KeyRotationRequest.of(KEY, "alice").withBatchSize(4));
    awaitPhase(wf, Phase.AWAITING_APPROVAL);

    assertThat(wf.rotation().pass()).isEqualTo(2);
    assertThat(wf.rotation().rewrapped()).isEqualTo(33);
    assertThat(transit.dataKeys.values()).containsOnly(2);
    assertThat(audit.actions()).contains("rollgate:rewrap-pass");
    wf.approve(new Approval("bob", "ok"));
    assertThat(result(KEY).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(transit.keys.get(KEY)).containsExactly(2, 2);
  }

  @Test
  void anUnknownKeyFailsWithNotFoundAndChangesNothing(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w, 3);
    start(KeyRotationRequest.of("no-such-key", "alice"));

    assertThatThrownBy(() -> result("no-such-key"))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("transit key 'no-such-key'");
            });
    assertThat(transit.calls).containsExactly("inspect no-such-key");
  }

  @Test
  void badInputIsANonRetryableInvalidInput(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w, 3);
    start(KeyRotationRequest.of(KEY, "alice").withApprovals(0));

    assertThatThrownBy(() -> result(KEY))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).startsWith("--approvals must be 1..10");
            });
    assertThat(transit.calls).isEmpty();
  }

  @Test
  void requestProblemsAreOneLine() {
    assertThat(KeyRotationRequest.of("bad/key", "a").problem())
        .isEqualTo(
            "transit key 'bad/key' is not a key name (letters, digits, '_', '.', '-'; at most"
                + " 128)");
    assertThat(KeyRotationRequest.of(KEY, "a").withBatchSize(1_001).problem())
        .isEqualTo("--batch-size must be 1..1000, not 1001");
    assertThat(KeyRotationRequest.of(KEY, " ").problem())
        .isEqualTo("a key rotation needs an initiator (--by)");
    assertThat(KeyRotationRequest.targetProblem("rotate-key/rollgate")).isNull();
    assertThat(KeyRotationRequest.targetProblem("rollgate"))
        .isEqualTo("a secrets target is rotate-key/<key>, e.g. rotate-key/rollgate");
    assertThat(KeyRotationRequest.of(KEY, "a").problem()).isNull();
  }
}
