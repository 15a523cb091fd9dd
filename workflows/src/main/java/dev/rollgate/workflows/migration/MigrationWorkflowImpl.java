package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseControls;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StepRetries;
import dev.rollgate.workflows.release.Stop;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A migration on the release kit. The saga holds one change, recorded before expand's first step:
 * "the migration's structures", undone by running the planned rollback (idempotent, so whatever
 * part of expand ran is removed). It is settled when contract starts: from there on nothing is
 * rolled back, and an abort is refused.
 */
public class MigrationWorkflowImpl extends ReleaseWorkflowBase implements MigrationWorkflow {
  static final String PREFLIGHT = "preflight";
  static final String EXPAND = "expand";
  static final String BACKFILL = "backfill";
  static final String VERIFY = "verify";
  static final String SWITCH = "switch";
  static final String CONTRACT = "contract";
  static final String DONE = "done";

  private static final String SOAK_STEP = "switch: soak";

  /** The {@code Workflow.getVersion} change id of preflight waiting for its blockers. */
  static final String PREFLIGHT_WAIT = "migration-preflight-wait";

  /**
   * The {@code Workflow.getVersion} change id of the contract pause saying why each backup fails.
   */
  static final String BACKUP_REASONS = "migration-backup-reasons";

  /** How often a blocked preflight checks again. */
  static final Duration RECHECK = Duration.ofSeconds(15);

  private final MigrationRequest request;
  private final MigrationActivities quick;
  private final MigrationActivities ddl;
  private final MigrationActivities slicer;
  private final MigrationActivities cleanup;
  private final Undo structures;

  private String stage = PREFLIGHT;
  private PlannedMigration plan;
  private MigrationPreflight preflight;
  private long expandedAtMillis;
  private int stepsDone;
  private int backfillIndex;
  private final List<BackfillProgress> filled = new ArrayList<>();
  private BackfillProgress progress;
  private final BatchTarget batchTarget;
  private List<VerifyResult> verified = List.of();
  private String contractBackup;
  private boolean contracting;
  private CancellationScope running;
  private Promise<?> inFlight;

  @WorkflowInit
  public MigrationWorkflowImpl(MigrationRequest request) {
    super(
        new Release(
            KIND,
            request.database() + "/" + request.name(),
            request.initiator(),
            request.carried() == null ? null : request.carried().kit()));
    this.request = request;
    this.structures = new Undo(KIND, request.database() + "/" + request.name(), "rollback");
    MigrationRequest.Carried c = request.carried();
    this.batchTarget =
        new BatchTarget(
            release,
            c == null ? request.batchTargetMillis() : c.batchTargetMillis(),
            () -> stage.equals(PREFLIGHT) || stage.equals(EXPAND) || stage.equals(BACKFILL));
    if (c != null) {
      stage = c.stage();
      plan = c.plan();
      preflight = c.preflight();
      expandedAtMillis = c.expandedAtMillis();
      backfillIndex = c.backfillIndex();
      filled.addAll(c.filled() == null ? List.of() : c.filled());
      progress = c.progress();
      verified = c.verified() == null ? List.of() : c.verified();
    } else {
      plan = request.planned();
    }
    RetryOptions retry = StepRetries.STEP;
    this.quick =
        Workflow.newActivityStub(
            MigrationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(5))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry)
                .build());
    // DDL retries lock timeouts inside its budget; CONCURRENT and VALIDATE may run for hours
    this.ddl =
        Workflow.newActivityStub(
            MigrationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(24))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(retry.toBuilder().setMaximumAttempts(3).build())
                .build());
    this.slicer =
        Workflow.newActivityStub(
            MigrationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMillis(request.sliceMillis()).plusMinutes(2))
                // the engine heartbeats after every batch (a transaction is capped at 1 s) and
                // every throttle pause: a worker that died is noticed within 20 s, not a minute
                .setHeartbeatTimeout(Duration.ofSeconds(20))
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(retry)
                .build());
    // the rollback is retried until it is done (within a day), else the release fails loudly
    this.cleanup =
        Workflow.newActivityStub(
            MigrationActivities.class,
            StepRetries.untilDone(Duration.ofHours(1), Duration.ofHours(24))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                .build());
  }

  @Override
  public MigrationResult run(MigrationRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    if (end.phase() == Phase.COMPLETED) {
      stage = DONE;
    }
    return new MigrationResult(end.phase(), end.summary());
  }

  private String steps() {
    if (request.carried() == null) {
      release.publish();
      preflight();
      release.record(
          request.initiator(),
          "migration-started",
          request.database()
              + "/"
              + request.name()
              + ": "
              + Words.count(plan.expand().size(), "expand step")
              + ", "
              + Words.count(plan.backfills().size(), "backfill")
              + ", "
              + Words.count(plan.contract().size(), "contract step")
              + (request.withoutBackup() == null
                  ? ""
                  : "; contract without backup: " + request.withoutBackup()));
      expand();
    }
    if (stage.equals(BACKFILL)) {
      backfill();
      runSteps(plan.afterBackfill(), "backfill: ", "after-backfill-");
      verify();
    }
    if (stage.equals(SWITCH)) {
      switchGate();
    }
    contract();
    return "migrated "
        + request.database()
        + "/"
        + request.name()
        + (contractBackup == null ? "" : " (backup " + contractBackup + ")");
  }

  private void preflight() {
    stage = PREFLIGHT;
    if (plan == null) {
      release.enter(Phase.RUNNING, "plan: rendering for the server");
      plan = call(() -> Async.function(quick::render, request.database(), request.plan()));
    }
    release.enter(Phase.RUNNING, PREFLIGHT);
    preflight = call(() -> Async.function(quick::preflight, plan));
    for (String finding : preflight.findings()) {
      release.record(OperatorGate.SYSTEM, "preflight-finding", finding);
    }
    awaitNoBlockers();
  }

  /**
   * While preflight finds blockers (long-running transactions, lock holders on the plan's tables)
   * the migration waits, saying which in its step, and checks again every {@link #RECHECK}; when
   * they are still there after the DDL budget it refuses to start (CONFLICT), nothing changed.
   */
  private void awaitNoBlockers() {
    if (preflight.blockers().isEmpty()
        || Workflow.getVersion(PREFLIGHT_WAIT, Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return;
    }
    long giveUpAt = Workflow.currentTimeMillis() + request.ddlBudgetMillis();
    release.record(
        OperatorGate.SYSTEM, "preflight-blocked", String.join("; ", preflight.blockers()));
    while (!preflight.blockers().isEmpty()) {
      if (Workflow.currentTimeMillis() >= giveUpAt) {
        throw release.fail(
            FailureType.CONFLICT,
            "preflight: still blocked after "
                + Words.duration(Duration.ofMillis(request.ddlBudgetMillis()))
                + " by "
                + String.join("; ", preflight.blockers())
                + ": end them (or wait) and start the migration again; nothing was changed");
      }
      between(
          "preflight: waiting for "
              + preflight.blockers().getFirst()
              + (preflight.blockers().size() > 1
                  ? " (and " + (preflight.blockers().size() - 1) + " more)"
                  : "")
              + "; refused at "
              + Instant.ofEpochMilli(giveUpAt));
      Workflow.await(RECHECK, () -> release.gateStatus().aborted() || release.isPaused());
      release.checkAborted();
      preflight = call(() -> Async.function(quick::preflight, plan));
    }
    release.record(OperatorGate.SYSTEM, "preflight-unblocked", "nothing blocks any more");
  }

  private void expand() {
    stage = EXPAND;
    // recorded first: the planned rollback is idempotent, whatever part of expand ran is removed
    release.changed(structures);
    runSteps(plan.expand(), "expand: ", "expand-");
    expandedAtMillis = Workflow.currentTimeMillis();
    release.record(OperatorGate.SYSTEM, "expanded", request.database() + "/" + request.name());
    stage = BACKFILL;
  }

  private void runSteps(List<SqlStep> steps, String prefix, String keyPrefix) {
    stepsDone = 0;
    for (SqlStep s : steps) {
      between(prefix + s.description());
      StepJob job =
          new StepJob(
              request.database(),
              s,
              release.stepKey(keyPrefix + stepsDone),
              request.lockTimeoutMillis(),
              Math.max(request.lockTimeoutMillis() * 4, 60_000),
              request.ddlBudgetMillis());
      call(() -> Async.function(ddl::execute, job));
      stepsDone++;
    }
  }

  /** Before a step: waits while paused, stops on abort, and names the step. */
  private void between(String step) {
    if (release.isPaused()) {
      release.awaitRunning();
    }
    release.checkAborted();
    release.enter(Phase.RUNNING, step);
  }

  /**
   * Runs one activity in a scope an abort or a pause can cancel: an abort's rollback waits until it
   * has stopped. Throws {@link Stop} on abort.
   */
  private <R> R call(Functions.Func<Promise<R>> activity) {
    Promise<R> promise = start(activity);
    Workflow.await(() -> promise.isCompleted() || release.gateStatus().aborted());
    release.checkAborted();
    R result = promise.get();
    inFlight = null;
    return result;
  }

  /**
   * Starts an activity ({@code () -> Async.function(stub::method, ...)}) in a cancellable scope.
   */
  private <R> Promise<R> start(Functions.Func<Promise<R>> activity) {
    List<Promise<R>> holder = new ArrayList<>(1);
    running = Workflow.newCancellationScope(() -> holder.add(activity.apply()));
    running.run();
    inFlight = holder.getFirst();
    return holder.getFirst();
  }

  private void backfill() {
    while (backfillIndex < plan.backfills().size()) {
      Backfill b = plan.backfills().get(backfillIndex);
      String step = "backfill " + b.schema() + "." + b.table();
      while (progress == null || !progress.done()) {
        between(step);
        if (release.historyIsLarge()) {
          release.continueAsNew();
        }
        BackfillJob job =
            new BackfillJob(
                request.database(),
                release.stepKey(BACKFILL),
                backfillIndex,
                b,
                batchTarget.millis(),
                request.sliceMillis(),
                progress == null ? 0 : progress.batchSize(),
                request.maxReplicaLagMillis());
        Promise<BackfillProgress> slice = start(() -> Async.function(slicer::backfill, job));
        Workflow.await(
            () -> slice.isCompleted() || release.isPaused() || release.gateStatus().aborted());
        if (!slice.isCompleted() && !release.gateStatus().aborted()) {
          // a pause stops the slice after its batch in flight; an abort's rollback waits for it
          running.cancel();
          Workflow.await(slice::isCompleted);
        }
        release.checkAborted();
        try {
          progress = slice.get();
        } catch (ActivityFailure failure) {
          if (!(failure.getCause() instanceof CanceledFailure) || !release.isPaused()) {
            throw failure;
          }
        }
        inFlight = null;
        release.publish();
      }
      release.record(
          OperatorGate.SYSTEM,
          "backfilled",
          b.schema()
              + "."
              + b.table()
              + ": "
              + String.format("%,d", progress.rowsDone())
              + " rows");
      filled.add(progress);
      progress = null;
      backfillIndex++;
    }
  }

  private void verify() {
    stage = VERIFY;
    between(VERIFY);
    verified = call(() -> Async.function(ddl::verify, request.database(), plan.verify()));
    List<String> failed =
        verified.stream()
            .filter(r -> !r.passed())
            .map(r -> r.description() + ": " + String.format("%,d", r.mismatches()) + " rows")
            .toList();
    release.record(
        OperatorGate.SYSTEM,
        failed.isEmpty() ? "verified" : "verify-failed",
        failed.isEmpty()
            ? Words.count(verified.size(), "check") + " passed"
            : String.join("; ", failed));
    if (!failed.isEmpty()) {
      throw new Stop(StopCause.ROLLBACK, "verify failed: " + String.join("; ", failed));
    }
    stage = SWITCH;
  }

  private void switchGate() {
    if (request.soak() != null && !request.soak().isZero()) {
      release.hold(request.soak(), SOAK_STEP, null, null);
    }
    if (request.approvals() > 0) {
      release.awaitApprovals(SWITCH, new ApprovalPolicy(request.approvals(), false));
    }
    stage = CONTRACT;
  }

  private void contract() {
    between("contract: backup check");
    if (request.withoutBackup() != null) {
      release.record(request.initiator(), "contract-without-backup", request.withoutBackup());
    } else {
      while (contractBackup == null) {
        BackupInfo backup =
            call(() -> Async.function(quick::verifiedBackup, request.database(), expandedAtMillis));
        if (backup != null) {
          contractBackup = backup.backupId();
          release.record(
              OperatorGate.SYSTEM,
              "contract-backup",
              backup.backupId() + " (sha256 " + backup.sha256() + ", verified)");
          break;
        }
        String why =
            Workflow.getVersion(BACKUP_REASONS, Workflow.DEFAULT_VERSION, 1)
                    == Workflow.DEFAULT_VERSION
                ? ""
                : call(
                        () ->
                            Async.function(
                                quick::whyNoBackup, request.database(), expandedAtMillis))
                    + "; ";
        release.pauseBySystem(
            "contract needs a verified backup of "
                + request.database()
                + " taken after expand ("
                + Instant.ofEpochMilli(expandedAtMillis)
                + "): "
                + why
                + "run 'rollgate backup run "
                + request.database()
                + "', verify it with a drill, then resume",
            true);
        between("contract: backup check");
      }
    }
    // from here on nothing is rolled back: the old structures go
    release.checkAborted();
    release.settled(structures);
    contracting = true;
    runSteps(plan.contract(), "contract: ", "contract-");
  }

  @Override
  public String resize(Resize resize) {
    return release.act(BatchTarget.VERB, resize);
  }

  @Override
  public void resizeSignal(RawValue resize) {
    release.signal(BatchTarget.VERB, resize);
  }

  /** Contract cannot be rolled back: an abort is refused once it started. */
  @Override
  public String refuse(String verb) {
    if (contracting && ReleaseControls.ABORT.equals(verb)) {
      return "contract has started (the old structures are being dropped): it cannot be rolled"
          + " back";
    }
    return null;
  }

  /** Runs the planned rollback once the step in flight (a backfill slice, a DDL) has stopped. */
  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    if (running != null && inFlight != null && !inFlight.isCompleted()) {
      running.cancel();
    }
    Promise<Void> stopped =
        inFlight == null ? Workflow.newPromise(null) : inFlight.handle((done, failure) -> null);
    RollbackJob job =
        new RollbackJob(
            request.database(),
            release.stepKey(BACKFILL),
            plan.rollback(),
            request.lockTimeoutMillis(),
            Math.max(request.lockTimeoutMillis() * 4, 60_000),
            request.ddlBudgetMillis());
    return stopped
        .thenCompose(none -> Async.function(cleanup::rollback, job))
        .thenApply(done -> "rolled back " + change.subject() + " (" + done + ")");
  }

  @Override
  public MigrationRequest nextRun() {
    if (inFlight != null) {
      return null;
    }
    return request.carrying(
        new MigrationRequest.Carried(
            stage,
            plan,
            preflight,
            expandedAtMillis,
            backfillIndex,
            filled,
            progress,
            batchTarget.millis(),
            verified,
            release.carry()));
  }

  @Override
  public MigrationStatus migration() {
    return new MigrationStatus(
        release.status(),
        stage,
        stepsDone,
        stageSteps(),
        preflight,
        progress != null ? progress : filled.isEmpty() ? null : filled.getLast(),
        List.copyOf(filled),
        plan == null ? 0 : plan.backfills().size(),
        batchTarget.millis(),
        verified,
        expandedAtMillis == 0 ? null : Instant.ofEpochMilli(expandedAtMillis),
        contractBackup,
        request.withoutBackup());
  }

  private int stageSteps() {
    if (plan == null) {
      return 0;
    }
    return switch (stage) {
      case EXPAND -> plan.expand().size();
      case BACKFILL -> plan.afterBackfill().size();
      case CONTRACT, DONE -> plan.contract().size();
      default -> 0;
    };
  }

  /** Whole percents only: each change of the search attribute is a history event. */
  @Override
  public double progress() {
    return switch (stage) {
      case PREFLIGHT -> 0;
      case EXPAND -> 5;
      case BACKFILL -> 10 + Math.floor(60 * backfillFraction());
      case VERIFY -> 70;
      case SWITCH -> 75;
      case CONTRACT -> 90;
      default -> 100;
    };
  }

  private double backfillFraction() {
    int n = plan == null ? 0 : plan.backfills().size();
    if (n == 0) {
      return 1;
    }
    return (filled.size() + (progress == null ? 0 : progress.fraction())) / n;
  }

  @Override
  public String position() {
    return switch (stage) {
      case PREFLIGHT -> "preflight";
      case EXPAND ->
          "expand: step " + Math.min(stepsDone + 1, stageSteps()) + " of " + stageSteps();
      case BACKFILL -> backfillWords();
      case VERIFY -> "verify: " + Words.count(plan.verify().size(), "check");
      case SWITCH -> "switch: applications move to the new version";
      case CONTRACT ->
          "contract: step " + Math.min(stepsDone + 1, stageSteps()) + " of " + stageSteps();
      default -> "migrated";
    };
  }

  /**
   * "backfill public.orders 41 % (410,112 of 1,000,000 rows), 3,900 rows/s, ETA 2m 31s; throttled:
   * replica lag 12 s > 10 s".
   */
  private String backfillWords() {
    if (backfillIndex >= plan.backfills().size()) {
      return "backfill done; completing expand: step "
          + Math.min(stepsDone + 1, plan.afterBackfill().size())
          + " of "
          + plan.afterBackfill().size();
    }
    Backfill b = plan.backfills().get(backfillIndex);
    StringBuilder s =
        new StringBuilder("backfill ").append(b.schema()).append('.').append(b.table());
    if (plan.backfills().size() > 1) {
      s.append(" (")
          .append(backfillIndex + 1)
          .append(" of ")
          .append(plan.backfills().size())
          .append(')');
    }
    if (progress == null) {
      return s.append(": starting").toString();
    }
    s.append(' ')
        .append((int) Math.floor(progress.fraction() * 100))
        .append(" % (")
        .append(
            String.format(
                Locale.ROOT, "%,d of %,d rows", progress.rowsDone(), progress.rowsTotal()))
        .append("), ")
        .append(String.format(Locale.ROOT, "%,d rows/s", Math.round(progress.rowsPerSecond())));
    long eta = progress.etaSeconds();
    if (eta >= 0) {
      s.append(", ETA ").append(Words.duration(Duration.ofSeconds(eta)));
    }
    if (progress.throttled() != null) {
      s.append("; throttled: ").append(progress.throttled());
    }
    s.append("; batches of ")
        .append(String.format(Locale.ROOT, "%,d", progress.batchSize()))
        .append(" rows, target ")
        .append(batchTarget.millis())
        .append(" ms");
    return s.toString();
  }

  @Override
  public String next() {
    return switch (stage) {
      case PREFLIGHT -> EXPAND;
      case EXPAND -> BACKFILL;
      case BACKFILL -> VERIFY;
      case VERIFY -> SWITCH;
      case SWITCH -> CONTRACT;
      default -> null;
    };
  }
}
