package dev.rollgate.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.BackupWorkflow;
import dev.rollgate.workflows.backup.BackupWorkflowImpl;
import dev.rollgate.workflows.backup.DrillRequest;
import dev.rollgate.workflows.backup.DrillWorkflow;
import dev.rollgate.workflows.backup.DrillWorkflowImpl;
import dev.rollgate.workflows.backup.RestoreRequest;
import dev.rollgate.workflows.backup.RestoreWorkflow;
import dev.rollgate.workflows.backup.RestoreWorkflowImpl;
import dev.rollgate.workflows.backup.RetentionPolicy;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflowImpl;
import dev.rollgate.workflows.rollout.RolloutPlan;
import dev.rollgate.workflows.rollout.StartRolloutRequest;
import dev.rollgate.workflows.testing.InMemoryBackups;
import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operator verb in every phase the backup kinds can be held in (backup, restore, drill, with
 * in-memory activities held at their step): whether it is accepted or refused (and why), the audit
 * row, the phase after, that nothing runs while paused, and how the release ends; plus a rollout
 * holding between steps. Deployments (canary, blue-green) are not in this matrix yet.
 */
class OperatorVerbMatrixTest {
  private static final String DB = "orders";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(
          FlagRolloutWorkflowImpl.class,
          BackupWorkflowImpl.class,
          RestoreWorkflowImpl.class,
          DrillWorkflowImpl.class);

  /** Where a kind is held when the verb arrives. */
  enum Held {
    /** A flag rollout holding at 10 % for an hour before 100 %. */
    ROLLOUT_HOLDING,
    /** A backup whose dump runs, retention after it. */
    BACKUP_DUMPING_RETENTION_NEXT,
    /** A backup whose dump runs and is its last step. */
    BACKUP_DUMPING_LAST_STEP,
    /** A restore with --replace, waiting for an approval. */
    RESTORE_AWAITING_APPROVAL,
    /** A restore whose pg_restore runs. */
    RESTORE_RESTORING,
    /** A drill restoring into its scratch database. */
    DRILL_RESTORING
  }

  /**
   * One cell: {@code refusal} null when the verb is accepted, else a part of the one-line reason.
   */
  record Case(Held held, String verb, String refusal, Phase phaseAfter, Phase ending) {
    @Override
    public String toString() {
      return verb + " while " + held + (refusal == null ? " is honoured" : " is refused");
    }
  }

  static Stream<Case> cases() {
    String notPaused = "not paused";
    String noApproval = "no approval is pending";
    return Stream.of(
        // rollout: a hold freezes on pause; an abort turns the flag off
        new Case(Held.ROLLOUT_HOLDING, "pause", null, Phase.PAUSED, Phase.COMPLETED),
        new Case(Held.ROLLOUT_HOLDING, "resume", notPaused, Phase.HOLDING, Phase.COMPLETED),
        new Case(Held.ROLLOUT_HOLDING, "approve", noApproval, Phase.HOLDING, Phase.COMPLETED),
        new Case(Held.ROLLOUT_HOLDING, "abort", null, null, Phase.ABORTED),
        // backup: a running dump finishes; a pause holds what follows, or is refused
        new Case(Held.BACKUP_DUMPING_RETENTION_NEXT, "pause", null, Phase.PAUSED, Phase.COMPLETED),
        new Case(
            Held.BACKUP_DUMPING_LAST_STEP,
            "pause",
            "a running dump cannot be paused and no step follows it",
            Phase.RUNNING,
            Phase.COMPLETED),
        new Case(
            Held.BACKUP_DUMPING_RETENTION_NEXT,
            "resume",
            notPaused,
            Phase.RUNNING,
            Phase.COMPLETED),
        new Case(
            Held.BACKUP_DUMPING_RETENTION_NEXT,
            "approve",
            noApproval,
            Phase.RUNNING,
            Phase.COMPLETED),
        new Case(Held.BACKUP_DUMPING_RETENTION_NEXT, "abort", null, null, Phase.ABORTED),
        new Case(Held.BACKUP_DUMPING_LAST_STEP, "abort", null, null, Phase.ABORTED),
        // restore: held before it creates or drops anything; nothing stops a running pg_restore
        new Case(Held.RESTORE_AWAITING_APPROVAL, "pause", null, Phase.PAUSED, Phase.COMPLETED),
        new Case(
            Held.RESTORE_AWAITING_APPROVAL,
            "resume",
            notPaused,
            Phase.AWAITING_APPROVAL,
            Phase.COMPLETED),
        new Case(Held.RESTORE_AWAITING_APPROVAL, "approve", null, Phase.RUNNING, Phase.COMPLETED),
        new Case(Held.RESTORE_AWAITING_APPROVAL, "abort", null, null, Phase.ABORTED),
        new Case(
            Held.RESTORE_RESTORING,
            "pause",
            "the restore is running (pg_restore) and cannot be paused",
            Phase.RUNNING,
            Phase.COMPLETED),
        new Case(Held.RESTORE_RESTORING, "resume", notPaused, Phase.RUNNING, Phase.COMPLETED),
        new Case(Held.RESTORE_RESTORING, "approve", noApproval, Phase.RUNNING, Phase.COMPLETED),
        new Case(
            Held.RESTORE_RESTORING,
            "abort",
            "cannot be stopped midway",
            Phase.RUNNING,
            Phase.COMPLETED),
        // drill: held between its steps; an abort drops the scratch database
        new Case(Held.DRILL_RESTORING, "pause", null, Phase.PAUSED, Phase.COMPLETED),
        new Case(Held.DRILL_RESTORING, "resume", notPaused, Phase.RUNNING, Phase.COMPLETED),
        new Case(Held.DRILL_RESTORING, "approve", noApproval, Phase.RUNNING, Phase.COMPLETED),
        new Case(Held.DRILL_RESTORING, "abort", null, null, Phase.ABORTED));
  }

  private static final String FLAG = "new_checkout";

  private InMemoryBackups store;
  private InMemoryFlags flags;
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void verbInPhase(Case c, TestWorkflowEnvironment env, Worker worker) throws Exception {
    store = new InMemoryBackups(env::currentTimeMillis, DB);
    flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
    worker.registerActivitiesImplementations(store, flags, new ScriptedGuardrails(), audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
    store.completed("backup/orders/b1", DB, env.currentTimeMillis() - 1000, null);
    store.completed("backup/orders/b0", DB, env.currentTimeMillis() - 2000, null);

    String id = startHeld(c.held(), env);
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    ReleaseControls controls = client.newWorkflowStub(ReleaseControls.class, id);

    // the verb, by bob (alice started it)
    Supplier<String> send =
        () ->
            switch (c.verb()) {
              case "approve" -> controls.approve(new Approval("bob", "ok"));
              case "pause" -> controls.pause(new OperatorCommand("bob", "look first"));
              case "resume" -> controls.resume(new OperatorCommand("bob", "go on"));
              default -> controls.abort(new OperatorCommand("bob", "not now"));
            };
    if (c.refusal() != null) {
      assertThatThrownBy(send::get)
          .isInstanceOf(WorkflowUpdateException.class)
          .cause()
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("REFUSED");
                assertThat(f.getOriginalMessage()).contains(c.refusal()).doesNotContain("\n");
              });
    } else {
      send.get();
    }
    if (c.phaseAfter() != null) {
      assertThat(status(stub).phase()).isEqualTo(c.phaseAfter());
    }

    if (c.verb().equals("pause") && c.refusal() == null) {
      holdsWhilePaused(c.held(), env, stub);
      controls.resume(new OperatorCommand("bob", "go on"));
    }
    if (c.held() == Held.RESTORE_AWAITING_APPROVAL && c.verb().equals("resume")) {
      controls.approve(new Approval("carol", "ok"));
    }
    store.blockDump.set(false);
    store.blockRestore.set(false);

    ReleaseStatus end = waitForEnd(stub, env);
    assertThat(end.phase()).as(end.outcome()).isEqualTo(c.ending());
    // the audit is written asynchronously and flushed before the release ends
    assertThat(audit.actions()).contains("rollgate:" + kind(c.held()) + "-" + ending(c));
    if (c.refusal() != null) {
      assertThat(audit.entries)
          .anySatisfy(
              e -> {
                assertThat(e.actor() + ":" + e.action()).isEqualTo("bob:" + c.verb() + "-refused");
                assertThat(e.details()).contains(c.refusal());
              });
      assertThat(audit.actions()).doesNotContain("bob:" + c.verb());
    } else {
      assertThat(audit.actions()).contains("bob:" + c.verb());
      if (c.verb().equals("pause")) {
        assertThat(audit.actions()).contains("bob:resume");
      }
    }
    switch (c.held()) {
      case BACKUP_DUMPING_RETENTION_NEXT, BACKUP_DUMPING_LAST_STEP -> {
        if (c.ending() == Phase.ABORTED) {
          assertThat(store.discards).containsExactly(id);
          assertThat(store.plans).isEmpty();
        } else {
          assertThat(store.discards).isEmpty();
          assertThat(store.plans).hasSize(c.held() == Held.BACKUP_DUMPING_RETENTION_NEXT ? 1 : 0);
        }
      }
      case RESTORE_AWAITING_APPROVAL, RESTORE_RESTORING ->
          assertThat(store.restores).hasSize(c.ending() == Phase.ABORTED ? 0 : 1);
      case DRILL_RESTORING -> {
        assertThat(store.drops).hasSize(1);
        assertThat(store.drills).hasSize(c.ending() == Phase.ABORTED ? 0 : 1);
      }
      case ROLLOUT_HOLDING -> {
        InMemoryFlags.Applied last = flags.applied.getLast();
        if (c.ending() == Phase.ABORTED) {
          assertThat(last.kill()).isTrue();
        } else {
          assertThat(last.percent()).isEqualTo(100.0);
          assertThat(flags.applied).hasSize(2);
        }
      }
    }
  }

  private static String kind(Held held) {
    return held.name().substring(0, held.name().indexOf('_')).toLowerCase(java.util.Locale.ROOT);
  }

  private static String ending(Case c) {
    return c.ending().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Starts the kind and returns once it is held where the case wants it. */
  private String startHeld(Held held, TestWorkflowEnvironment env) throws Exception {
    switch (held) {
      case ROLLOUT_HOLDING -> {
        String id = FlagRolloutWorkflow.workflowId(FLAG);
        start(
            FlagRolloutWorkflow.TYPE,
            id,
            StartRolloutRequest.of(
                FLAG, "alice", RolloutPlan.explicit(List.of(10.0, 100.0), Duration.ofHours(1))));
        env.sleep(Duration.ofMinutes(1));
        assertThat(status(client.newUntypedWorkflowStub(id)).phase()).isEqualTo(Phase.HOLDING);
        assertThat(flags.applied).hasSize(1);
        return id;
      }
      case BACKUP_DUMPING_RETENTION_NEXT, BACKUP_DUMPING_LAST_STEP -> {
        store.blockDump.set(true);
        String id = "backup/orders/20261203T120000Z";
        BackupRequest request = BackupRequest.of(DB, "alice");
        if (held == Held.BACKUP_DUMPING_RETENTION_NEXT) {
          request = request.withRetention(new RetentionPolicy(1, null, 1));
        }
        start(BackupWorkflow.TYPE, id, request);
        assertThat(store.dumpStarted.await(10, TimeUnit.SECONDS)).isTrue();
        return id;
      }
      case RESTORE_AWAITING_APPROVAL -> {
        store.existing.add(DB);
        String id = BackupIds.restore(DB, DB);
        start(
            RestoreWorkflow.TYPE,
            id,
            new RestoreRequest(DB, null, DB, true, "alice", null, new ApprovalPolicy(1, false)));
        env.sleep(Duration.ofMinutes(5)); // as BackupWorkflowsTest: the approval gate is reached
        assertThat(status(client.newUntypedWorkflowStub(id)).phase())
            .isEqualTo(Phase.AWAITING_APPROVAL);
        return id;
      }
      case RESTORE_RESTORING -> {
        store.blockRestore.set(true);
        String id = BackupIds.restore(DB, "orders_copy");
        start(
            RestoreWorkflow.TYPE,
            id,
            new RestoreRequest(DB, null, "orders_copy", false, "alice", null, null));
        assertThat(store.restoreStarted.await(10, TimeUnit.SECONDS)).isTrue();
        return id;
      }
      default -> {
        store.blockRestore.set(true);
        String id = "drill/orders/20261203T120000Z";
        start(DrillWorkflow.TYPE, id, new DrillRequest(DB, "alice", null));
        assertThat(store.restoreStarted.await(10, TimeUnit.SECONDS)).isTrue();
        return id;
      }
    }
  }

  private void start(String type, String id, Object request) {
    client
        .newUntypedWorkflowStub(
            type, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(queue).build())
        .start(request);
  }

  /**
   * Paused: the running step finishes (the dump, the restore, the approval), then nothing of the
   * next step runs, for an hour of workflow time; the status says PAUSED and the next step is held.
   */
  private void holdsWhilePaused(Held held, TestWorkflowEnvironment env, WorkflowStub stub) {
    store.blockDump.set(false);
    store.blockRestore.set(false);
    if (held == Held.RESTORE_AWAITING_APPROVAL) {
      client
          .newWorkflowStub(ReleaseControls.class, stub.getExecution().getWorkflowId())
          .approve(new Approval("carol", "ok"));
    }
    env.sleep(Duration.ofHours(1));
    ReleaseStatus s = status(stub);
    assertThat(s.phase()).isEqualTo(Phase.PAUSED);
    if (held != Held.ROLLOUT_HOLDING) {
      assertThat(s.next()).endsWith("(held until resume)");
      assertThat(s.position()).endsWith("; next: " + s.next());
      assertThat(s.details()).contains(s.position(), "paused by bob (look first)");
    }
    switch (held) {
      case ROLLOUT_HOLDING -> assertThat(flags.applied).hasSize(1);
      case BACKUP_DUMPING_RETENTION_NEXT -> {
        assertThat(store.backups.get(stub.getExecution().getWorkflowId()).status())
            .isEqualTo("COMPLETED");
        assertThat(store.plans).isEmpty();
        assertThat(store.deleted).isEmpty();
      }
      case RESTORE_AWAITING_APPROVAL -> assertThat(store.restores).isEmpty();
      case DRILL_RESTORING -> {
        assertThat(store.drills).isEmpty();
        assertThat(store.drops).isEmpty();
      }
      default -> throw new IllegalStateException("no pause is honoured in " + held);
    }
  }

  private static ReleaseStatus waitForEnd(WorkflowStub stub, TestWorkflowEnvironment env) {
    try {
      stub.getResult(30, TimeUnit.SECONDS, Object.class);
    } catch (Exception ended) {
      // a failed or cancelled ending is asserted through the status
    }
    return status(stub);
  }

  private static ReleaseStatus status(WorkflowStub stub) {
    return stub.query("release", ReleaseStatus.class);
  }
}
