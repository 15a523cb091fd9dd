package dev.rollgate.workflows.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.backup.DrillWorkflow.DrillOutcome;
import dev.rollgate.workflows.backup.RestoreWorkflow.RestoreOutcome;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryBackups;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The three backup kinds on the release kit, with in-memory activities: happy paths, failures and
 * their compensation (a partial backup discarded, a scratch database dropped), refusals and the
 * replace approval. Writes each finished history to target/recorded-histories-backup (copies are
 * the replay fixtures in src/test/resources/backup-histories).
 */
class BackupWorkflowsTest {
  private static final String DB = "orders";
  private static final String BACKUP_ID = "backup/orders/20261128T020000Z";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(
          BackupWorkflowImpl.class, RestoreWorkflowImpl.class, DrillWorkflowImpl.class);

  private InMemoryBackups store;
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;

  private void startWorker(TestWorkflowEnvironment env, Worker worker) {
    store = new InMemoryBackups(env::currentTimeMillis, DB);
    worker.registerActivitiesImplementations(store, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  private WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(queue).build();
  }

  private WorkflowStub backup(BackupRequest request) {
    WorkflowStub stub = client.newUntypedWorkflowStub(BackupWorkflow.TYPE, options(BACKUP_ID));
    stub.start(request);
    return stub;
  }

  private WorkflowStub restore(RestoreRequest request) {
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            RestoreWorkflow.TYPE,
            options(BackupIds.restore(request.database(), request.targetDatabase())));
    stub.start(request);
    return stub;
  }

  private WorkflowStub drill() {
    WorkflowStub stub =
        client.newUntypedWorkflowStub(DrillWorkflow.TYPE, options("drill/orders/20261128T030000Z"));
    stub.start(new DrillRequest(DB, "alice", null));
    return stub;
  }

  private static void assertFails(WorkflowStub stub, String type, String message) {
    assertThatThrownBy(() -> stub.getResult(BackupResult.class))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(type);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains(message);
            });
  }

  private static dev.rollgate.workflows.release.ReleaseStatus status(WorkflowStub stub) {
    return stub.query("release", dev.rollgate.workflows.release.ReleaseStatus.class);
  }

  // ---- backups ----

  @Test
  void backupDumpsThenAppliesRetentionAndSaysWhatItDid(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    long now = env.currentTimeMillis();
    store.completed("backup/orders/old1", DB, now - Duration.ofDays(3).toMillis(), null);
    store.completed("backup/orders/old2", DB, now - Duration.ofDays(2).toMillis(), null);

    WorkflowStub stub =
        backup(BackupRequest.of(DB, "alice").withRetention(new RetentionPolicy(2, null, 1)));
    BackupResult result = stub.getResult(BackupResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .isEqualTo("orders: 1.2 GB in 48s, sha256 ab12cd34…; retention deleted 1, kept 2");
    assertThat(store.dumps).containsExactly(BACKUP_ID);
    assertThat(store.deleted).containsExactly("backup/orders/old1");
    assertThat(store.discards).isEmpty();
    assertThat(result.backup().format()).isEqualTo("custom+zstd");
    assertThat(stub.query("backup", BackupInfo.class).backupId()).isEqualTo(BACKUP_ID);
    assertThat(status(stub).target()).isEqualTo(DB);
    assertThat(audit.actions()).contains("alice:backup-started", "rollgate:backup-completed");
    record(BACKUP_ID, "backup-retention.json");
  }

  @Test
  void aRefusedRetentionKeepsTheCompletedBackup(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.retentionRefusal = "would delete the newest verified backup";

    BackupResult result =
        backup(BackupRequest.of(DB, "alice").withRetention(new RetentionPolicy(1, null, 1)))
            .getResult(BackupResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .endsWith("retention refused: would delete the newest verified backup");
    assertThat(audit.actions())
        .contains("alice:retention-refused")
        .noneMatch(a -> a.endsWith("retention-failed"));
    assertThat(store.discards).isEmpty();
    assertThat(store.backups.get(BACKUP_ID).status()).isEqualTo("COMPLETED");
  }

  @Test
  void aRetentionThatFailsIsAFailureOfRetentionNotARefusal(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    long now = env.currentTimeMillis();
    store.completed("backup/orders/old1", DB, now - Duration.ofDays(3).toMillis(), null);
    store.retentionFailure = "deleting backups/orders/old1: Unable to execute HTTP request";

    WorkflowStub stub =
        backup(BackupRequest.of(DB, "alice").withRetention(new RetentionPolicy(1, null, 1)));
    BackupResult result = stub.getResult(BackupResult.class);

    // the backup was taken: COMPLETED, but the summary, the status and the audit say retention
    // failed (with its type), never that a policy refused it
    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .endsWith(
            "retention FAILED (UNAVAILABLE): deleting backups/orders/old1: Unable to execute"
                + " HTTP request")
        .doesNotContain("refused");
    assertThat(result.retention()).isNull();
    assertThat(status(stub).outcome()).contains("retention FAILED");
    assertThat(audit.actions())
        .contains("rollgate:retention-failed", "rollgate:backup-completed")
        .noneMatch(a -> a.endsWith("retention-refused"));
    assertThat(store.backups.get(BACKUP_ID).status()).isEqualTo("COMPLETED");
    assertThat(store.backups.get("backup/orders/old1").status()).isEqualTo("COMPLETED");
    assertThat(store.discards).isEmpty();
  }

  @Test
  void aFailedPreflightDumpsNothing(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.preflightFailure = "pg_dump 17.2 is older than the server (18.6)";

    WorkflowStub stub = backup(BackupRequest.of(DB, "alice"));

    assertFails(stub, "INVALID_INPUT", "pg_dump 17.2 is older");
    assertThat(store.dumps).isEmpty();
    assertThat(store.discards).isEmpty();
    assertThat(status(stub).phase()).isEqualTo(Phase.FAILED);
  }

  @Test
  void anUnknownDatabaseIsNotFound(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    WorkflowStub stub =
        client.newUntypedWorkflowStub(BackupWorkflow.TYPE, options("backup/ghost/x"));
    stub.start(BackupRequest.of("ghost", "alice"));

    assertFails(stub, "NOT_FOUND", "database 'ghost' is not registered");
    assertThat(store.dumps).isEmpty();
  }

  @Test
  void badInputIsRefusedBeforeAnyActivity(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    WorkflowStub stub =
        backup(
            new BackupRequest(DB, "alice", null, "zstd", "aws:kms", null, null, null, null, null));

    assertFails(stub, "INVALID_INPUT", "needs a KMS key id");
    assertThat(store.dumps).isEmpty();
  }

  @Test
  void aFailedDumpDiscardsThePartialBackupOnce(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.dumpFailure = "S3 refused the upload: AccessDenied";

    WorkflowStub stub = backup(BackupRequest.of(DB, "alice"));

    assertFails(stub, "UNAVAILABLE", "AccessDenied");
    assertThat(store.discards).containsExactly(BACKUP_ID);
    assertThat(status(stub).outcome()).contains("partial backup " + BACKUP_ID + " discarded");
    record(BACKUP_ID, "backup-dump-failed.json");
  }

  @Test
  void abortDuringTheDumpStopsItThenDiscards(TestWorkflowEnvironment env, Worker w)
      throws Exception {
    startWorker(env, w);
    store.blockDump.set(true);
    WorkflowStub stub =
        backup(BackupRequest.of(DB, "alice").withTimeouts(null, Duration.ofSeconds(2)));
    assertThat(store.dumpStarted.await(10, TimeUnit.SECONDS)).isTrue();

    client
        .newWorkflowStub(BackupWorkflow.class, BACKUP_ID)
        .abort(new OperatorCommand("bob", "wrong database"));
    BackupResult result = stub.getResult(BackupResult.class);

    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(result.summary()).contains("aborted by bob: wrong database", "discarded");
    assertThat(store.dumpCancelled).isTrue();
    assertThat(store.discards).containsExactly(BACKUP_ID);
    record(BACKUP_ID, "backup-aborted.json");
  }

  @Test
  void aPauseDuringTheDumpLetsItFinishAndHoldsRetentionUntilResume(
      TestWorkflowEnvironment env, Worker w) throws Exception {
    startWorker(env, w);
    store.completed("backup/orders/old1", DB, env.currentTimeMillis() - 1000, null);
    store.blockDump.set(true);
    WorkflowStub stub =
        backup(BackupRequest.of(DB, "alice").withRetention(new RetentionPolicy(1, null, 1)));
    assertThat(store.dumpStarted.await(10, TimeUnit.SECONDS)).isTrue();
    BackupWorkflow wf = client.newWorkflowStub(BackupWorkflow.class, BACKUP_ID);

    wf.pause(new OperatorCommand("bob", "S3 maintenance"));
    store.blockDump.set(false);
    env.sleep(Duration.ofHours(2));

    assertThat(store.backups.get(BACKUP_ID).status()).isEqualTo("COMPLETED");
    assertThat(store.plans).isEmpty();
    assertThat(wf.release().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.release().next()).isEqualTo("retention (held until resume)");

    wf.resume(new OperatorCommand("bob", "done"));
    BackupResult result = stub.getResult(BackupResult.class);
    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary()).endsWith("retention deleted 1, kept 1");
    assertThat(audit.actions()).containsSubsequence("bob:pause", "bob:resume");
    record(BACKUP_ID, "backup-paused-before-retention.json");
  }

  @Test
  void cancellationDuringTheDumpDiscards(TestWorkflowEnvironment env, Worker w) throws Exception {
    startWorker(env, w);
    store.blockDump.set(true);
    WorkflowStub stub =
        backup(BackupRequest.of(DB, "alice").withTimeouts(null, Duration.ofSeconds(2)));
    assertThat(store.dumpStarted.await(10, TimeUnit.SECONDS)).isTrue();

    stub.cancel("from the Web UI");

    assertThatThrownBy(() -> stub.getResult(BackupResult.class))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(CanceledFailure.class);
    assertThat(store.discards).containsExactly(BACKUP_ID);
    assertThat(status(stub).phase()).isEqualTo(Phase.CANCELLED);
  }

  // ---- restores ----

  @Test
  void restoreIntoANewDatabase(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);

    RestoreOutcome out =
        restore(new RestoreRequest(DB, null, "orders_copy", false, "alice", null, null))
            .getResult(RestoreOutcome.class);

    assertThat(out.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(out.summary())
        .isEqualTo(
            "restored backup/orders/b1 into orders_copy: 1.2 GB in 1m 1s, 1 table, 1000 rows,"
                + " sha256 ab12cd34… verified");
    assertThat(store.restores).containsExactly("backup/orders/b1->orders_copy");
  }

  @Test
  void anExistingTargetWithoutReplaceIsRefusedAndNothingChanges(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.existing.add("orders");

    WorkflowStub stub = restore(new RestoreRequest(DB, null, "orders", false, "alice", null, null));

    assertFails(
        stub,
        "REFUSED",
        "database 'orders' exists: restore into a new database, or pass --replace (needs an"
            + " approval)");
    assertThat(store.restores).isEmpty();
    assertThat(status(stub).phase()).isEqualTo(Phase.FAILED);
  }

  @Test
  void replaceWaitsForAnApprovalFromSomebodyElse(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.existing.add("orders");
    WorkflowStub stub = restore(new RestoreRequest(DB, null, "orders", true, "alice", null, null));
    env.sleep(Duration.ofMinutes(5));
    RestoreWorkflow wf = client.newWorkflowStub(RestoreWorkflow.class, "restore/orders/orders");
    assertThat(wf.release().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    assertThat(store.restores).isEmpty();

    assertThatThrownBy(() -> wf.approve(new Approval("alice", "mine")))
        .hasStackTraceContaining("alice started this workflow");
    wf.approve(new Approval("bob", "incident 42"));
    RestoreOutcome out = stub.getResult(RestoreOutcome.class);

    assertThat(out.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(store.restores).containsExactly("backup/orders/b1->orders (replace)");
    record("restore/orders/orders", "restore-replace-approved.json");
  }

  @Test
  void anAbortedReplaceRestoresNothing(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.existing.add("orders");
    WorkflowStub stub = restore(new RestoreRequest(DB, null, "orders", true, "alice", null, null));
    env.sleep(Duration.ofMinutes(5));

    client
        .newWorkflowStub(RestoreWorkflow.class, "restore/orders/orders")
        .abort(new OperatorCommand("bob", "not now"));

    assertThat(stub.getResult(RestoreOutcome.class).phase()).isEqualTo(Phase.ABORTED);
    assertThat(store.restores).isEmpty();
  }

  @Test
  void aCorruptedBackupIsRefused(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.corrupted.add("backup/orders/b1");

    WorkflowStub stub =
        restore(new RestoreRequest(DB, "backup/orders/b1", "orders_copy", false, "a", null, null));

    assertFails(stub, "CORRUPTED", "sha256 differs");
    assertThat(store.restores).isEmpty();
  }

  // ---- drills ----

  @Test
  void aDrillRestoresComparesRecordsAndDropsTheScratchDatabase(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);

    WorkflowStub stub = drill();
    DrillOutcome out = stub.getResult(DrillOutcome.class);

    assertThat(out.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(out.drill().passed()).isTrue();
    assertThat(out.drill().mismatches()).isEmpty();
    assertThat(out.drill().restoreMillis()).isEqualTo(61_000);
    assertThat(store.drills).hasSize(1);
    assertThat(store.drops).hasSize(1);
    assertThat(store.drops.getFirst()).matches("rollgate_drill_orders_[0-9a-f]{8}");
    assertThat(store.existing).isEmpty();
    assertThat(out.summary()).startsWith("drill of backup/orders/b1 passed: 1 table match");
    record("drill/orders/20261128T030000Z", "drill-passed.json");
  }

  @Test
  void aDrillThatFindsADifferenceIsRecordedFailedAndStillDropsTheScratch(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.restoredRows.put("public.orders", 998L);

    WorkflowStub stub = drill();

    assertFails(stub, "CORRUPTED", "public.orders: 1000 in the backup, 998 restored");
    assertThat(store.drills).singleElement().satisfies(d -> assertThat(d.passed()).isFalse());
    assertThat(store.drills.getFirst().mismatches())
        .containsExactly("public.orders: 1000 in the backup, 998 restored");
    assertThat(store.drops).hasSize(1);
    assertThat(store.existing).isEmpty();
    assertThat(status(stub).phase()).isEqualTo(Phase.FAILED);
    assertThat(status(stub).outcome()).contains("scratch database rollgate_drill_orders_");
    record("drill/orders/20261128T030000Z", "drill-mismatch.json");
  }

  @Test
  void aDrillOfACorruptedBackupIsRecordedAndDropsTheScratch(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.corrupted.add("backup/orders/b1");

    assertFails(drill(), "CORRUPTED", "sha256 differs");
    assertThat(store.drills).singleElement().satisfies(d -> assertThat(d.passed()).isFalse());
    assertThat(store.drops).hasSize(1);
  }

  @Test
  void scratchNamesFitPostgresIdentifiers() {
    String name =
        DrillWorkflowImpl.scratchName("A-very-long-database-name-" + "x".repeat(22), "0123abcd-ef");
    assertThat(name)
        .hasSizeLessThanOrEqualTo(63)
        .endsWith("_0123abcd")
        .startsWith("rollgate_drill_a_very");
    assertThat(DrillWorkflowImpl.compare(Map.of("a", 1L, "b", 2L), Map.of("b", 3L, "c", 1L)))
        .containsExactly(
            "a: 1 in the backup, missing after restore",
            "b: 2 in the backup, 3 restored",
            "c: not in the backup's counts, 1 restored");
  }

  @Test
  void idsParseTheDatabaseAlsoForScheduledRuns() {
    assertThat(BackupIds.manual("backup", DB, Instant.parse("2026-11-28T02:00:00Z")))
        .isEqualTo(BACKUP_ID);
    assertThat(BackupIds.database("backup/orders/scheduled-2026-11-28T02:00:00Z")).isEqualTo(DB);
    assertThat(BackupIds.database("restore/orders/orders_copy")).isEqualTo(DB);
    assertThat(BackupIds.targetProblem("orders/scheduled-2026-11-28T02:00:00Z")).isNull();
    assertThat(BackupIds.targetProblem("orders")).contains("is not DATABASE/SUFFIX");
    assertThat(BackupIds.databaseProblem("bad name")).contains("may contain only");
  }

  /** Writes a finished workflow's history for the replay fixtures. */
  private void record(String workflowId, String name) {
    try {
      Path dir = Path.of("target", "recorded-histories-backup");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), client.fetchHistory(workflowId).toJson(true));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
