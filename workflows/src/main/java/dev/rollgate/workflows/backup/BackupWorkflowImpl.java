package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseControls;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StepRetries;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;

/** A backup on the release kit: preflight, streamed dump, retention; the kit does the rest. */
public class BackupWorkflowImpl extends ReleaseWorkflowBase implements BackupWorkflow {
  /**
   * {@code Workflow.getVersion} change id: a retention that failed (not refused by its policy) is
   * reported and audited as {@code retention-failed}; older runs called it refused.
   */
  static final String RETENTION_FAILED = "backup-retention-failed";

  private final PauseBetweenSteps pause;

  private boolean applyingRetention;

  private final BackupRequest request;
  private final String backupId;
  private final BackupActivities quick;
  private final BackupActivities cleanup;
  private final BackupActivities dumper;
  private CancellationScope dumpScope;
  private Promise<BackupInfo> dumping;
  private BackupInfo backup;
  private RetentionPlan retained;
  private String stage = "preflight";

  @WorkflowInit
  public BackupWorkflowImpl(BackupRequest request) {
    super(new Release(KIND, request.database(), request.initiator(), null));
    this.pause = new PauseBetweenSteps(release);
    this.request = request;
    this.backupId = Workflow.getInfo().getWorkflowId();
    RetryOptions retry = StepRetries.STEP;
    this.quick =
        Workflow.newActivityStub(
            BackupActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(retry)
                .build());
    // compensation: retried until it is done (within an hour), else the release fails loudly
    this.cleanup =
        Workflow.newActivityStub(
            BackupActivities.class,
            StepRetries.untilDone(Duration.ofMinutes(2), Duration.ofHours(1)).build());
    this.dumper =
        Workflow.newActivityStub(
            BackupActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(
                    request.dumpTimeout() == null
                        ? BackupRequest.DEFAULT_DUMP_TIMEOUT
                        : request.dumpTimeout())
                .setHeartbeatTimeout(
                    request.heartbeatTimeout() == null
                        ? BackupRequest.DEFAULT_HEARTBEAT_TIMEOUT
                        : request.heartbeatTimeout())
                // an abort waits until the dump has stopped before the backup is discarded
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(10))
                        .setBackoffCoefficient(2)
                        .setMaximumInterval(Duration.ofMinutes(5))
                        .setMaximumAttempts(4)
                        .build())
                .build());
  }

  @Override
  public BackupResult run(BackupRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new BackupResult(end.phase(), end.summary(), backup, retained);
  }

  private String steps() {
    pause.decide();
    release.publish();
    release.record(
        request.initiator(),
        "backup-started",
        backupId
            + (request.scheduleId() == null ? "" : " (schedule " + request.scheduleId() + ")")
            + (request.reason() == null ? "" : ": " + request.reason()));
    release.enter(Phase.RUNNING, stage);
    Preflight preflight = quick.preflight(request.database());
    release.checkAborted();
    pause.hold();

    stage = "dumping";
    release.enter(
        Phase.RUNNING,
        "dumping "
            + request.database()
            + " (server "
            + preflight.serverVersion()
            + ", pg_dump "
            + preflight.pgDumpVersion()
            + ") to "
            + preflight.bucket());
    // recorded before the dump: a failure, an abort or a cancellation discards the partial backup
    Undo partial = new Undo("backup", backupId, null);
    release.changed(partial);
    DumpJob job =
        new DumpJob(
            backupId,
            request.database(),
            request.compressionOrDefault(),
            request.encryptionOrDefault(),
            request.kmsKeyId(),
            request.scheduleId());
    dumpScope = Workflow.newCancellationScope(() -> dumping = Async.function(dumper::dump, job));
    dumpScope.run();
    Workflow.await(() -> dumping.isCompleted() || release.gateStatus().aborted());
    release.checkAborted();
    backup = dumping.get();
    // completed: nothing to undo any more, an abort from here on keeps the backup
    release.settled(partial);
    String summary = BackupWords.summary(backup);

    if (request.retention() != null) {
      pause.hold();
      stage = "retention";
      release.enter(Phase.RUNNING, "retention");
      summary += "; " + retention();
    }
    stage = "done";
    return summary;
  }

  /**
   * Plans and applies retention. Neither a refusal by policy nor a failure (S3 or the metadata
   * store down after the retries) fails the completed backup, but they are told apart: "retention
   * refused" (audit {@code retention-refused}) versus "retention FAILED" (audit {@code
   * retention-failed}, which the {@code RollgateBackupRetentionFailed} alert watches).
   */
  private String retention() {
    try {
      RetentionPlan plan = quick.planRetention(request.database(), request.retention());
      release.checkAborted();
      if (pause.hold()) {
        release.enter(Phase.RUNNING, "retention");
      }
      applyingRetention = true;
      retained = plan.delete().isEmpty() ? plan : quick.applyRetention(plan);
      return "retention deleted " + retained.delete().size() + ", kept " + retained.keep().size();
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof ApplicationFailure cause) {
        String why = cause.getOriginalMessage();
        if (!FailureType.REFUSED.name().equals(cause.getType())
            && Workflow.getVersion(RETENTION_FAILED, Workflow.DEFAULT_VERSION, 1) >= 1) {
          release.record(OperatorGate.SYSTEM, "retention-failed", why);
          return "retention FAILED (" + cause.getType() + "): " + why;
        }
        release.record(request.initiator(), "retention-refused", why);
        return "retention refused: " + why;
      }
      if (Workflow.getVersion(RETENTION_FAILED, Workflow.DEFAULT_VERSION, 1) >= 1) {
        // a timeout: the retention activity never answered
        String why = FailureType.rootMessage(failure);
        release.record(OperatorGate.SYSTEM, "retention-failed", why);
        return "retention FAILED: " + why;
      }
      throw failure;
    }
  }

  /**
   * A pause holds the backup before its next step: a running dump (or retention's plan) finishes,
   * nothing after it starts until resume. Refused when nothing is left to hold: the dump is the
   * last step, or retention is deleting.
   */
  @Override
  public String refuse(String verb) {
    if (!pause.honoured() || !ReleaseControls.PAUSE.equals(verb)) {
      return null;
    }
    if (stage.equals("dumping") && request.retention() == null) {
      return "a running dump cannot be paused and no step follows it: wait for it, or abort it"
          + " (the partial backup is discarded)";
    }
    if (applyingRetention) {
      return "retention is deleting old backups, the last step: it cannot be paused";
    }
    return null;
  }

  /** Discards the partial backup once the dump has stopped (cancelled, failed or done). */
  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    if (dumpScope != null) {
      dumpScope.cancel();
    }
    Promise<Void> stopped =
        dumping == null ? Workflow.newPromise(null) : dumping.handle((done, failure) -> null);
    String why = cause.name().toLowerCase(java.util.Locale.ROOT) + ": " + reason;
    return stopped
        .thenCompose(none -> Async.function(cleanup::discard, change.subject(), why))
        .thenApply(done -> "partial backup " + change.subject() + " discarded");
  }

  @Override
  public BackupInfo backup() {
    return backup;
  }

  @Override
  public double progress() {
    return switch (stage) {
      case "preflight" -> 0;
      case "dumping" -> 10;
      case "retention" -> 90;
      default -> 100;
    };
  }

  @Override
  public String position() {
    return pause.position(where(), next());
  }

  /** Where the kind is, before a pause adds what it holds. */
  private String where() {
    return switch (stage) {
      case "preflight" -> "preflight of " + request.database();
      case "dumping" -> "dumping " + request.database() + " (progress: rollgate backup status)";
      case "retention" -> "backed up " + BackupWords.bytes(backup.sizeBytes()) + ", retention";
      default ->
          backup == null ? "no backup taken" : "backed up " + BackupWords.bytes(backup.sizeBytes());
    };
  }

  @Override
  public String next() {
    String next =
        switch (stage) {
          case "preflight" -> "dump";
          case "dumping" -> request.retention() == null ? null : "retention";
          case "retention" -> applyingRetention ? null : "delete what retention plans";
          default -> null;
        };
    return next != null && release.isPaused() ? next + " (held until resume)" : next;
  }
}
