package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseControls;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StepRetries;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;

/** A restore on the release kit: resolve, refuse or gate an existing target, restore. */
public class RestoreWorkflowImpl extends ReleaseWorkflowBase implements RestoreWorkflow {
  static final Duration RESTORE_TIMEOUT = Duration.ofHours(6);

  private final RestoreRequest request;
  private final RestoreActivities quick;
  private final RestoreActivities restorer;
  private RestoreResult result;
  private String stage = "resolving";
  private final PauseBetweenSteps pause;

  @WorkflowInit
  public RestoreWorkflowImpl(RestoreRequest request) {
    super(new Release(KIND, request.database(), request.initiator(), null));
    this.pause = new PauseBetweenSteps(release);
    this.request = request;
    RetryOptions retry = StepRetries.STEP;
    this.quick =
        Workflow.newActivityStub(
            RestoreActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(retry)
                .build());
    this.restorer =
        Workflow.newActivityStub(
            RestoreActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(RESTORE_TIMEOUT)
                .setHeartbeatTimeout(BackupRequest.DEFAULT_HEARTBEAT_TIMEOUT)
                .setRetryOptions(
                    retry.toBuilder()
                        .setInitialInterval(Duration.ofSeconds(10))
                        .setMaximumInterval(Duration.ofMinutes(5))
                        .setMaximumAttempts(3)
                        .build())
                .build());
  }

  @Override
  public RestoreOutcome run(RestoreRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new RestoreOutcome(end.phase(), end.summary(), result);
  }

  private String steps() {
    pause.decide();
    release.publish();
    release.enter(Phase.RUNNING, "resolving the backup");
    BackupInfo backup = quick.resolve(request.database(), request.backupId());
    String target = request.targetDatabase();
    boolean exists = quick.exists(request.database(), target);
    if (exists && !request.replace()) {
      throw release.fail(
          FailureType.REFUSED,
          "database '"
              + target
              + "' exists: restore into a new database, or pass --replace (needs an approval)");
    }
    if (exists) {
      stage = "approval";
      release.awaitApprovals(
          "replace database " + target + " with " + backup.backupId(),
          request.approvalsOrDefault());
    }
    release.checkAborted();
    // paused: nothing is created or dropped until resume (an abort restores nothing)
    pause.hold();
    stage = "restoring";
    release.enter(Phase.RUNNING, "restoring " + backup.backupId() + " into " + target);
    // no undo: a restore either completes or leaves the target for a retry to start afresh
    result =
        restorer.restore(request.database(), new RestoreJob(backup.backupId(), target, exists));
    stage = "done";
    long rows =
        result.rowCounts() == null
            ? 0
            : result.rowCounts().values().stream().mapToLong(Long::longValue).sum();
    return "restored "
        + backup.backupId()
        + " into "
        + target
        + ": "
        + BackupWords.bytes(result.bytes())
        + " in "
        + Words.duration(Duration.ofMillis(result.durationMillis()))
        + ", "
        + Words.count(result.rowCounts() == null ? 0 : result.rowCounts().size(), "table")
        + ", "
        + rows
        + " rows, sha256 "
        + BackupWords.sha(result.sha256())
        + " verified";
  }

  /**
   * A pause holds the restore before it creates or drops anything. Once pg_restore runs neither a
   * pause nor an abort can be honoured (the restore has no undo and runs to its end: an accepted
   * abort would end COMPLETED), so both are refused.
   */
  @Override
  public String refuse(String verb) {
    if (!pause.honoured() || !stage.equals("restoring")) {
      return null;
    }
    return switch (verb) {
      case ReleaseControls.PAUSE ->
          "the restore is running (pg_restore) and cannot be paused: wait for it to finish";
      case ReleaseControls.ABORT ->
          "the restore is running (pg_restore) and cannot be stopped midway: wait for it to"
              + " finish, then drop the target database if it is not wanted";
      default -> null;
    };
  }

  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    return Workflow.newPromise("nothing to undo");
  }

  @Override
  public double progress() {
    return switch (stage) {
      case "resolving", "approval" -> 0;
      case "restoring" -> 50;
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
      case "resolving" -> "resolving the backup of " + request.database();
      case "approval" -> "waiting to replace " + request.targetDatabase();
      case "restoring" -> "restoring into " + request.targetDatabase();
      default -> result == null ? "nothing restored" : "restored into " + request.targetDatabase();
    };
  }

  @Override
  public String next() {
    return switch (stage) {
      case "resolving", "approval" ->
          "restore into "
              + request.targetDatabase()
              + (release.isPaused() ? " (held until resume)" : "");
      default -> null;
    };
  }
}
