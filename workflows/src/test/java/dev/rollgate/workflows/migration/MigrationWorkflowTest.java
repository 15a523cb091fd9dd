package dev.rollgate.workflows.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryMigrations;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The migration kind on the kit, with an in-memory target database. */
class MigrationWorkflowTest {
  private static final String DB = "orders";
  private static final String NAME = "amount_numeric";
  private static final String ID = MigrationRequest.workflowId(DB, NAME);

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(MigrationWorkflowImpl.class);

  private InMemoryMigrations db;
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;

  private void startWorker(TestWorkflowEnvironment env, Worker worker) {
    db = new InMemoryMigrations(env::currentTimeMillis);
    worker.registerActivitiesImplementations(db, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  private MigrationWorkflow start(MigrationRequest request) {
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(queue).build());
    WorkflowClient.start(wf::run, request);
    return wf;
  }

  private static MigrationRequest request() {
    return MigrationRequest.of(DB, NAME, "alice", Plans.amountNumeric(DB, NAME, 1));
  }

  private MigrationResult result() {
    return client.newUntypedWorkflowStub(ID).getResult(MigrationResult.class);
  }

  /** Writes the finished history to target/recorded-histories-migration (replay fixtures). */
  private void record(String name) throws java.io.IOException {
    java.nio.file.Path dir = java.nio.file.Path.of("target", "recorded-histories-migration");
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(
        dir.resolve(name + ".json"), client.fetchHistory(ID).toJson(true));
  }

  @Test
  void runsEveryStepInOrderAndContractsWithAVerifiedBackupNewerThanExpand(
      TestWorkflowEnvironment env, Worker w) throws Exception {
    startWorker(env, w);
    db.verifiedBackups.put("backup/orders/old", env.currentTimeMillis() - 1);
    MigrationWorkflow wf = start(request());

    // no backup newer than expand: contract pauses and says why
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().phase() == Phase.PAUSED);
    MigrationStatus paused = wf.migration();
    assertThat(paused.stage()).isEqualTo("contract");
    assertThat(paused.release().gate().pauseReason())
        .startsWith("contract needs a verified backup of orders taken after expand (")
        .contains("): rejected backups of orders: backup/orders/old: older than expand; run ");
    assertThat(db.ran).doesNotContain("ALTER TABLE orders DROP COLUMN amount");
    assertThat(paused.backfill().rowsDone()).isEqualTo(1_000);
    assertThat(paused.verified()).extracting(VerifyResult::passed).containsExactly(true);

    db.verifiedBackups.put("backup/orders/new", env.currentTimeMillis() + 1);
    env.sleep(Duration.ofSeconds(1));
    wf.resume(new OperatorCommand("bob", "backup taken and drilled"));
    MigrationResult result = result();

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .isEqualTo("migrated orders/amount_numeric (backup backup/orders/new)");
    assertThat(db.ran)
        .containsExactly(
            "ALTER TABLE orders ADD COLUMN amount_v2 numeric(12,2)",
            "CREATE TRIGGER orders_amount_sync",
            "ALTER TABLE orders VALIDATE CONSTRAINT amount_v2_nn",
            "verify",
            "ALTER TABLE orders DROP COLUMN amount");
    assertThat(db.sliceTargets).hasSize(10);
    assertThat(audit.actions())
        .contains(
            "alice:migration-started",
            "rollgate:expanded",
            "rollgate:backfilled",
            "rollgate:verified",
            "rollgate:contract-backup",
            "rollgate:migration-completed");
    assertThat(wf.migration().stage()).isEqualTo("done");
    record("migration-contract");
  }

  @Test
  void aFailedVerifyRollsBackEverythingExpandAdded(TestWorkflowEnvironment env, Worker w)
      throws Exception {
    startWorker(env, w);
    db.mismatches.put("amount_v2 matches amount", 3L);
    start(request().withoutBackup("test"));
    MigrationResult result = result();

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.summary()).contains("verify failed: amount_v2 matches amount: 3 rows");
    assertThat(db.ran)
        .endsWith(
            "verify",
            "DROP TRIGGER IF EXISTS orders_amount_sync",
            "ALTER TABLE orders DROP COLUMN IF EXISTS amount_v2")
        .doesNotContain("ALTER TABLE orders DROP COLUMN amount");
    assertThat(db.filled()).isZero(); // the cursors went with the rollback
    record("migration-verify-failed");
  }

  @Test
  void aFailedExpandStepFailsTheMigrationAndRollsBack(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    db.failing.add("CREATE TRIGGER orders_amount_sync");
    start(request());

    assertThatThrownBy(this::result)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("CONFLICT"));
    assertThat(db.ran)
        .containsExactly(
            "ALTER TABLE orders ADD COLUMN amount_v2 numeric(12,2)",
            "DROP TRIGGER IF EXISTS orders_amount_sync",
            "ALTER TABLE orders DROP COLUMN IF EXISTS amount_v2");
    assertThat(client.newUntypedWorkflowStub(ID).query("release", Object.class).toString())
        .contains("FAILED");
  }

  private static final String BLOCKER =
      "lock holder on public.orders: pid 4242 (app) holds RowExclusiveLock, transaction open for"
          + " 00:05:00";

  @Test
  void preflightWaitsWhileSomethingBlocksSayingWhichPidAndGoesOnWhenItHasGone(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    db.blocking = List.of(BLOCKER, "long-running transaction: pid 77 (report) open for 01:00:00");
    db.blockedChecks.set(1_000);
    MigrationWorkflow wf = start(request().withoutBackup("test"));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().step().startsWith("preflight: waiting for"));
    assertThat(wf.migration().release().step())
        .startsWith("preflight: waiting for " + BLOCKER + " (and 1 more); refused at ");
    assertThat(wf.migration().stage()).isEqualTo("preflight");
    assertThat(db.ran).isEmpty();

    db.blockedChecks.set(0); // the session committed
    env.sleep(MigrationWorkflowImpl.RECHECK.plusSeconds(1));
    assertThat(result().phase()).isEqualTo(Phase.COMPLETED);
    assertThat(audit.actions())
        .containsSubsequence(
            "rollgate:preflight-blocked", "rollgate:preflight-unblocked", "rollgate:expanded");
  }

  @Test
  void preflightRefusesToStartWhenTheBlockerOutlastsTheBudgetAndChangesNothing(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    db.blocking = List.of(BLOCKER);
    db.blockedChecks.set(1_000);
    start(request());

    assertThatThrownBy(this::result)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("CONFLICT");
              assertThat(f.getOriginalMessage())
                  .isEqualTo(
                      "preflight: still blocked after 10m by "
                          + BLOCKER
                          + ": end them (or wait) and start the migration again; nothing was"
                          + " changed");
            });
    assertThat(db.ran).isEmpty();
  }

  @Test
  void switchSoaksThenWaitsForApprovalAndContractCannotBeAborted(
      TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    MigrationWorkflow wf =
        start(request().withSwitch(1, Duration.ofDays(3)).withoutBackup("scratch database"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().phase() == Phase.HOLDING);
    assertThat(wf.migration().release().step()).isEqualTo("switch: soak");
    env.sleep(Duration.ofDays(3).plusMinutes(1));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().phase() == Phase.AWAITING_APPROVAL);
    assertThat(env.currentTimeMillis() - wf.migration().expandedAt().toEpochMilli())
        .isGreaterThanOrEqualTo(Duration.ofDays(3).toMillis());
    assertThatThrownBy(() -> wf.approve(new Approval("alice", "mine")))
        .isInstanceOf(WorkflowUpdateException.class);
    wf.approve(new Approval("bob", "reads moved"));
    assertThat(result().phase()).isEqualTo(Phase.COMPLETED);
    assertThat(audit.actions()).contains("alice:contract-without-backup", "bob:approve");
  }

  @Test
  void abortDuringBackfillStopsTheSliceAndRollsBack(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    db.rowsTotal = 1_000_000;
    db.rowsPerSlice = 10;
    // long slices: the abort lands inside one (the Java test server fails a workflow task that
    // cancels an activity completing at that very moment)
    db.sliceRealMillis = 2_000;
    MigrationWorkflow wf = start(request());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().backfill() != null && wf.migration().backfill().rowsDone() > 0);
    assertThat(wf.migration().release().details())
        .contains("backfill public.orders 0 % (")
        .contains("of 1,000,000 rows)")
        .contains("throttled: autovacuum running on orders");
    wf.abort(new OperatorCommand("bob", "wrong column"));
    MigrationResult result = result();

    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(db.ran).endsWith("ALTER TABLE orders DROP COLUMN IF EXISTS amount_v2");
    assertThat(db.filled()).isZero();
  }

  /** A backfill of a million rows, 10 a slice, one real second each: it runs for a while. */
  private MigrationWorkflow startLongBackfill(TestWorkflowEnvironment env, Worker w) {
    startWorker(env, w);
    db.rowsTotal = 1_000_000;
    db.rowsPerSlice = 10;
    db.sliceRealMillis = 1_000;
    MigrationWorkflow wf = start(request().withoutBackup("test"));
    await().atMost(Duration.ofSeconds(20)).until(() -> !db.sliceTargets.isEmpty());
    return wf;
  }

  @Test
  void resizeAppliesFromTheNextSliceAndIsRefusedWithAReason(TestWorkflowEnvironment env, Worker w) {
    MigrationWorkflow wf = startLongBackfill(env, w);

    assertThatThrownBy(() -> wf.resize(new Resize("bob", 5_000, "faster")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("between 50 ms and 1000 ms");
    assertThat(wf.resize(new Resize("bob", 200, "p99 up")))
        .isEqualTo("batch target 500 ms -> 200 ms from the next slice");
    int at = db.sliceTargets.size();
    await().atMost(Duration.ofSeconds(30)).until(() -> db.sliceTargets.size() > at + 1);
    assertThat(db.sliceTargets.get(db.sliceTargets.size() - 1)).isEqualTo(200L);
    assertThat(wf.migration().batchTargetMillis()).isEqualTo(200);
    assertThat(audit.actions()).contains("bob:resize-refused", "bob:resize");

    wf.pause(new OperatorCommand("bob", "look"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> wf.migration().release().phase() == Phase.PAUSED);
    int paused = db.sliceTargets.size();
    env.sleep(Duration.ofSeconds(1));
    Thread.yield();
    assertThat(db.sliceTargets.size()).isLessThanOrEqualTo(paused + 1);
    wf.abort(new OperatorCommand("bob", "done testing"));
    assertThat(result().phase()).isEqualTo(Phase.ABORTED);
  }

  @Test
  void resizeSignalTakesTheUpdatesPathAndMalformedOnesAreRefusedWithAReason(
      TestWorkflowEnvironment env, Worker w) {
    MigrationWorkflow wf = startLongBackfill(env, w);
    WorkflowStub untyped = client.newUntypedWorkflowStub(ID);

    untyped.signal("resize", "faster please");
    untyped.signal("resize", Map.of("by", "bob", "batchTargetMillis", "fast"));
    untyped.signal("resize", new Resize("bob", 5_000, "faster"));
    untyped.signal("resize", new Resize(" ", 200, "nobody"));
    untyped.signal("resize", new Resize("bob", 200, "p99 up"));

    await().atMost(Duration.ofSeconds(20)).until(() -> wf.migration().batchTargetMillis() == 200);
    String expected = "(expected " + BatchTarget.EXAMPLE + ")";
    assertThat(wf.gate().rejected())
        .containsExactly(
            "resize by (unknown): malformed resize payload " + expected,
            "resize by (unknown): malformed resize payload " + expected,
            "resize by bob: a batch target must be between 50 ms and 1000 ms (every backfill"
                + " transaction stays within 1 s), not 5000 ms",
            "resize by (unknown): a resize needs who asks (by)");
    int at = db.sliceTargets.size();
    await().atMost(Duration.ofSeconds(30)).until(() -> db.sliceTargets.size() > at + 1);
    assertThat(db.sliceTargets.getLast()).isEqualTo(200L);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                audit
                    .actions()
                    .containsAll(
                        List.of("(unknown):resize-refused", "bob:resize-refused", "bob:resize")));
    assertThat(audit.entries)
        .filteredOn(e -> e.action().equals("resize"))
        .extracting(e -> e.details())
        .containsExactly("batch target 500 ms -> 200 ms from the next slice: p99 up");

    wf.abort(new OperatorCommand("bob", "done testing"));
    assertThat(result().phase()).isEqualTo(Phase.ABORTED);
  }

  static List<Integer> noop() {
    return List.of();
  }
}
