package dev.rollgate.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import dev.rollgate.workflows.deploy.DeploymentWorkflow;
import dev.rollgate.workflows.deploy.DeploymentWorkflowImpl;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.Stage;
import dev.rollgate.workflows.deploy.TrafficSplit;
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
import dev.rollgate.workflows.testing.deploy.DeployRequests;
import dev.rollgate.workflows.testing.deploy.FakeEnvironments;
import dev.rollgate.workflows.testing.deploy.FakeTraffic;
import dev.rollgate.workflows.testing.deploy.ScriptedAnalysis;
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
 * Every operator verb in every phase the kinds can be held in, with in-memory activities held at
 * their step: a rollout holding between steps; a backup, restore and drill; a canary deployment
 * (awaiting an approval, holding, analysing inline, paused) and a blue-green one (preparing its
 * idle side, holding, in its rollback window). Each cell: whether the verb is accepted or refused
 * (and why), the audit row, the phase after, that nothing runs while paused, and how the release
 * ends.
 */
class OperatorVerbMatrixTest {
  private static final String DB = "orders";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(
          FlagRolloutWorkflowImpl.class,
          BackupWorkflowImpl.class,
          RestoreWorkflowImpl.class,
          DrillWorkflowImpl.class,
          DeploymentWorkflowImpl.class);

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

  /**
   * Where a skip lands inside a hold: between two of its checks. The hold's timers start a few
   * milliseconds after the instant a skip lands on, so a skip to a whole check interval leaves the
   * next check due just after it; a verb whose workflow task then cancels that timer, fired
   * meanwhile on a loaded machine, strands the run on the time-skipping server ("invalid history
   * builder state for action") and the update never answers.
   */
  private static final Duration OFF_GRID = Duration.ofSeconds(10);

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

    sendByBob(controls, c.verb(), c.refusal());
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
    assertAuditedForBob(c.verb(), c.refusal());
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

  /**
   * Sends the verb as bob (alice started the release): accepted, or refused as REFUSED with the
   * reason on one line.
   */
  private static void sendByBob(ReleaseControls controls, String verb, String refusal) {
    Supplier<String> send =
        () ->
            switch (verb) {
              case "approve" -> controls.approve(new Approval("bob", "ok"));
              case "pause" -> controls.pause(new OperatorCommand("bob", "look first"));
              case "resume" -> controls.resume(new OperatorCommand("bob", "go on"));
              default -> controls.abort(new OperatorCommand("bob", "not now"));
            };
    if (refusal != null) {
      assertThatThrownBy(send::get)
          .isInstanceOf(WorkflowUpdateException.class)
          .cause()
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("REFUSED");
                assertThat(f.getOriginalMessage()).contains(refusal).doesNotContain("\n");
              });
    } else {
      send.get();
    }
  }

  /** Bob's verb is audited as done, or as refused with the reason (and never as done). */
  private void assertAuditedForBob(String verb, String refusal) {
    if (refusal != null) {
      assertThat(audit.entries)
          .anySatisfy(
              e -> {
                assertThat(e.actor() + ":" + e.action()).isEqualTo("bob:" + verb + "-refused");
                assertThat(e.details()).contains(refusal);
              });
      assertThat(audit.actions()).doesNotContain("bob:" + verb);
    } else {
      assertThat(audit.actions()).contains("bob:" + verb);
      if (verb.equals("pause")) {
        assertThat(audit.actions()).contains("bob:resume");
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
        env.sleep(OFF_GRID.plusMinutes(1));
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
        store.blockRestore.set(true); // once approved, it is RUNNING until the test lets it end
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

  // ---- deployments: a canary on an HAProxy-style router, a blue-green on ECS-style sides ----

  private static final String SCOPE = DeployRequests.ROUTER.scope();
  private static final Environment ECS = DeployRequests.ECS;
  private static final List<TrafficSplit> CANARY_SHIFTS =
      List.of(TrafficSplit.canaryAt(5), TrafficSplit.canaryAt(25), TrafficSplit.canaryAt(100));
  private static final List<TrafficSplit> BLUE_GREEN_SHIFTS =
      List.of(TrafficSplit.canaryAt(10), TrafficSplit.canaryAt(50), TrafficSplit.canaryAt(100));

  /** Where a deployment is held when the verb arrives. */
  enum DeployHeld {
    /** A canary at 5 % (its hold over), waiting for an approval before 25 %. */
    CANARY_AWAITING_APPROVAL,
    /** A canary holding at 5 % (triggers every 30 s, background analysis every minute). */
    CANARY_HOLDING,
    /** A canary at 5 % whose inline analysis before 25 % is running. */
    CANARY_CHECKING,
    /** A canary holding at 5 %, paused by alice. */
    CANARY_PAUSED,
    /** A blue-green whose idle side is being brought up; no traffic on it yet. */
    BLUE_GREEN_PREPARING,
    /** A blue-green holding at 10 %. */
    BLUE_GREEN_HOLDING,
    /** A blue-green at 100 % in its 30-minute rollback window. */
    BLUE_GREEN_WINDOW;

    boolean blueGreen() {
      return name().startsWith("BLUE_GREEN");
    }
  }

  /** One cell: as {@link Case}, for a deployment. */
  record DeployCase(DeployHeld held, String verb, String refusal, Phase phaseAfter, Phase ending) {
    @Override
    public String toString() {
      return verb + " while " + held + (refusal == null ? " is honoured" : " is refused");
    }
  }

  static Stream<DeployCase> deployCases() {
    String notPaused = "not paused";
    String noApproval = "no approval is pending";
    Phase done = Phase.COMPLETED;
    return Stream.of(
        // canary: approvals may arrive while paused, but nothing shifts until the resume
        new DeployCase(DeployHeld.CANARY_AWAITING_APPROVAL, "pause", null, Phase.PAUSED, done),
        new DeployCase(
            DeployHeld.CANARY_AWAITING_APPROVAL,
            "resume",
            notPaused,
            Phase.AWAITING_APPROVAL,
            done),
        new DeployCase(DeployHeld.CANARY_AWAITING_APPROVAL, "approve", null, Phase.HOLDING, done),
        new DeployCase(DeployHeld.CANARY_AWAITING_APPROVAL, "abort", null, null, Phase.ABORTED),
        // a hold freezes on pause: no trigger, analysis or drift check, no shift
        new DeployCase(DeployHeld.CANARY_HOLDING, "pause", null, Phase.PAUSED, done),
        new DeployCase(DeployHeld.CANARY_HOLDING, "resume", notPaused, Phase.HOLDING, done),
        new DeployCase(DeployHeld.CANARY_HOLDING, "approve", noApproval, Phase.HOLDING, done),
        new DeployCase(DeployHeld.CANARY_HOLDING, "abort", null, null, Phase.ABORTED),
        // the running analysis finishes; the shift waits for the resume and a fresh analysis
        new DeployCase(DeployHeld.CANARY_CHECKING, "pause", null, Phase.PAUSED, done),
        new DeployCase(DeployHeld.CANARY_CHECKING, "resume", notPaused, Phase.CHECKING, done),
        new DeployCase(DeployHeld.CANARY_CHECKING, "approve", noApproval, Phase.CHECKING, done),
        new DeployCase(DeployHeld.CANARY_CHECKING, "abort", null, null, Phase.ABORTED),
        new DeployCase(
            DeployHeld.CANARY_PAUSED, "pause", "already paused by alice", Phase.PAUSED, done),
        new DeployCase(DeployHeld.CANARY_PAUSED, "resume", null, Phase.HOLDING, done),
        new DeployCase(DeployHeld.CANARY_PAUSED, "approve", noApproval, Phase.PAUSED, done),
        new DeployCase(DeployHeld.CANARY_PAUSED, "abort", null, null, Phase.ABORTED),
        // blue-green: a running prepare finishes, its checks wait for the resume
        new DeployCase(DeployHeld.BLUE_GREEN_PREPARING, "pause", null, Phase.PAUSED, done),
        new DeployCase(DeployHeld.BLUE_GREEN_PREPARING, "resume", notPaused, Phase.RUNNING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_PREPARING, "approve", noApproval, Phase.RUNNING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_PREPARING, "abort", null, null, Phase.ABORTED),
        new DeployCase(DeployHeld.BLUE_GREEN_HOLDING, "pause", null, Phase.PAUSED, done),
        new DeployCase(DeployHeld.BLUE_GREEN_HOLDING, "resume", notPaused, Phase.HOLDING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_HOLDING, "approve", noApproval, Phase.HOLDING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_HOLDING, "abort", null, null, Phase.ABORTED),
        // the window freezes on pause: the old side is not retired while paused
        new DeployCase(DeployHeld.BLUE_GREEN_WINDOW, "pause", null, Phase.PAUSED, done),
        new DeployCase(DeployHeld.BLUE_GREEN_WINDOW, "resume", notPaused, Phase.HOLDING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_WINDOW, "approve", noApproval, Phase.HOLDING, done),
        new DeployCase(DeployHeld.BLUE_GREEN_WINDOW, "abort", null, null, Phase.ABORTED));
  }

  private FakeTraffic traffic;
  private ScriptedAnalysis analysis;
  private final FakeEnvironments environments = new FakeEnvironments();

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployCases")
  void deploymentVerbInPhase(DeployCase c, TestWorkflowEnvironment env, Worker worker) {
    traffic = new FakeTraffic(env::currentTimeMillis);
    analysis = new ScriptedAnalysis(env::currentTimeMillis);
    worker.registerActivitiesImplementations(traffic, analysis, environments, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();

    String id = DeploymentWorkflow.workflowId(DeployRequests.SERVICE);
    List<TrafficSplit> shiftsWhenHeld = startHeld(c.held(), env, id);
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    ReleaseControls controls = client.newWorkflowStub(ReleaseControls.class, id);

    sendByBob(controls, c.verb(), c.refusal());
    if (c.phaseAfter() != null) {
      // an accepted approval shifts and holds next: activities only, no time passes
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(status(stub).phase()).isEqualTo(c.phaseAfter()));
    }

    if (c.verb().equals("pause") && c.refusal() == null) {
      staysPut(c.held(), env, stub, shiftsWhenHeld, "paused by bob (look first)");
      controls.resume(new OperatorCommand("bob", "go on"));
    }
    // a refused verb changed nothing: carol approves, alice resumes her pause
    if (c.held() == DeployHeld.CANARY_AWAITING_APPROVAL && c.refusal() != null) {
      controls.approve(new Approval("carol", "ok"));
    }
    if (c.held() == DeployHeld.CANARY_PAUSED && c.refusal() != null) {
      controls.resume(new OperatorCommand("alice", "go on"));
    }
    analysis.slowAnalyze.release();
    environments.slowPrepare.release();

    ReleaseStatus end = waitForEnd(stub, env);
    assertThat(end.phase()).as(end.outcome()).isEqualTo(c.ending());
    assertThat(audit.actions())
        .contains("rollgate:deploy-" + c.ending().name().toLowerCase(java.util.Locale.ROOT));
    assertAuditedForBob(c.verb(), c.refusal());
    if (c.ending() == Phase.ABORTED) {
      // everything back on the old version at once, read back; the idle side scaled to 0
      assertThat(traffic.split(SCOPE)).isEqualTo(TrafficSplit.ALL_STABLE);
      if (shiftsWhenHeld.isEmpty()) {
        assertThat(traffic.shifts).isEmpty();
      } else {
        assertThat(traffic.shifts).last().isEqualTo(TrafficSplit.ALL_STABLE);
        assertThat(traffic.shifts).hasSize(shiftsWhenHeld.size() + 1);
        assertThat(audit.actions()).contains("rollgate:traffic-rollback");
      }
      assertThat(environments.retired)
          .isEqualTo(c.held().blueGreen() ? List.of(ECS.idleService()) : List.of());
    } else {
      // each stage shifted once, whatever was sent; the old side retired after the window
      assertThat(traffic.shifts)
          .isEqualTo(c.held().blueGreen() ? BLUE_GREEN_SHIFTS : CANARY_SHIFTS);
      assertThat(traffic.split(SCOPE)).isEqualTo(TrafficSplit.canaryAt(100));
      assertThat(environments.retired)
          .isEqualTo(c.held().blueGreen() ? List.of(ECS.stableService()) : List.of());
    }
  }

  /** Starts the deployment and returns the shifts made once it is held where the case wants it. */
  private List<TrafficSplit> startHeld(DeployHeld held, TestWorkflowEnvironment env, String id) {
    List<Stage> stages =
        List.of(
            new Stage(5, Duration.ofMinutes(10)),
            new Stage(25, Duration.ofMinutes(10)),
            new Stage(100, Duration.ZERO));
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    Phase phase;
    switch (held) {
      case CANARY_AWAITING_APPROVAL -> {
        start(
            DeploymentWorkflow.TYPE,
            id,
            DeployRequests.canary()
                .stages(stages)
                .approveAt(List.of(25), ApprovalPolicy.fourEyes())
                .build());
        env.sleep(Duration.ofMinutes(15));
        phase = Phase.AWAITING_APPROVAL;
      }
      case CANARY_CHECKING -> {
        // no hold at 5 %: the inline analysis before 25 % is the first analysis
        analysis.slowAnalyze.arm();
        start(
            DeploymentWorkflow.TYPE,
            id,
            DeployRequests.canary()
                .stages(
                    List.of(
                        new Stage(5, Duration.ZERO),
                        new Stage(25, Duration.ofMinutes(10)),
                        new Stage(100, Duration.ZERO)))
                .build());
        await().atMost(Duration.ofSeconds(30)).until(analysis.slowAnalyze::entered);
        phase = Phase.CHECKING;
      }
      case CANARY_HOLDING, CANARY_PAUSED -> {
        start(DeploymentWorkflow.TYPE, id, DeployRequests.canary().stages(stages).build());
        env.sleep(OFF_GRID.plusMinutes(3));
        phase = Phase.HOLDING;
      }
      case BLUE_GREEN_PREPARING -> {
        environments.slowPrepare.arm();
        start(DeploymentWorkflow.TYPE, id, DeployRequests.blueGreen().build());
        await().atMost(Duration.ofSeconds(30)).until(environments.slowPrepare::entered);
        phase = Phase.RUNNING;
      }
      case BLUE_GREEN_HOLDING -> {
        start(DeploymentWorkflow.TYPE, id, DeployRequests.blueGreen().build());
        env.sleep(OFF_GRID.plusMinutes(2));
        phase = Phase.HOLDING;
      }
      default -> {
        start(DeploymentWorkflow.TYPE, id, DeployRequests.blueGreen().build());
        env.sleep(OFF_GRID.plusMinutes(20));
        phase = Phase.HOLDING;
        assertThat(status(stub).step()).isEqualTo("rollback window");
      }
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status(stub).phase()).isEqualTo(phase));
    List<TrafficSplit> shifts = List.copyOf(traffic.shifts);
    int stagesShifted =
        switch (held) {
          case BLUE_GREEN_PREPARING -> 0;
          case BLUE_GREEN_WINDOW -> 3;
          default -> 1;
        };
    assertThat(shifts)
        .isEqualTo(
            (held.blueGreen() ? BLUE_GREEN_SHIFTS : CANARY_SHIFTS).subList(0, stagesShifted));
    if (held == DeployHeld.CANARY_PAUSED) {
      client
          .newWorkflowStub(ReleaseControls.class, id)
          .pause(new OperatorCommand("alice", "lunch"));
      staysPut(held, env, stub, shifts, "paused by alice (lunch)");
    }
    return shifts;
  }

  /**
   * Paused: what was running finishes (an analysis, the idle side's preparation), then for an hour
   * of workflow time nothing shifts, measures, checks or retires; the status says PAUSED.
   */
  private void staysPut(
      DeployHeld held,
      TestWorkflowEnvironment env,
      WorkflowStub stub,
      List<TrafficSplit> shiftsWhenHeld,
      String pausedBy) {
    String id = stub.getExecution().getWorkflowId();
    switch (held) {
      case CANARY_AWAITING_APPROVAL ->
          // accepted while paused, and audited; the gate passes only after the resume
          client.newWorkflowStub(ReleaseControls.class, id).approve(new Approval("carol", "ok"));
      case CANARY_CHECKING -> {
        analysis.slowAnalyze.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> analysis.analyses.get() == 1);
      }
      case BLUE_GREEN_PREPARING -> {
        environments.slowPrepare.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> environments.prepared.size() == 1);
      }
      default -> {}
    }
    int analyses = analysis.analyses.get();
    int triggerChecks = analysis.triggerChecks.get();
    int reports = analysis.reports.size();
    int reads = traffic.reads.get();
    env.sleep(Duration.ofHours(1));
    ReleaseStatus s = status(stub);
    assertThat(s.phase()).isEqualTo(Phase.PAUSED);
    assertThat(s.details()).contains(pausedBy);
    assertThat(traffic.shifts).isEqualTo(shiftsWhenHeld);
    assertThat(analysis.analyses).hasValue(analyses);
    assertThat(analysis.triggerChecks).hasValue(triggerChecks);
    assertThat(analysis.reports).hasSize(reports); // no smoke check, no stage report
    assertThat(traffic.reads).hasValue(reads); // no drift check
    assertThat(environments.retired).isEmpty();
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
