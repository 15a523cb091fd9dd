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
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** A restore drill on the release kit; the scratch database is an Undo, so it is always dropped. */
public class DrillWorkflowImpl extends ReleaseWorkflowBase implements DrillWorkflow {
  /** PostgreSQL truncates identifiers to 63 bytes. */
  static final int MAX_IDENTIFIER = 63;

  private final DrillRequest request;
  private final RestoreActivities quick;
  private final RestoreActivities cleanup;
  private final RestoreActivities restorer;
  private final String scratch;
  private DrillRecord drill;
  private String stage = "resolving";
  private final PauseBetweenSteps pause;

  @WorkflowInit
  public DrillWorkflowImpl(DrillRequest request) {
    super(new Release(KIND, request.database(), request.initiator(), null));
    this.pause = new PauseBetweenSteps(release);
    this.request = request;
    this.scratch = scratchName(request.database(), Workflow.getInfo().getFirstExecutionRunId());
    RetryOptions retry = StepRetries.STEP;
    ActivityOptions quickOptions =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(2))
            .setRetryOptions(retry)
            .build();
    this.quick = Workflow.newActivityStub(RestoreActivities.class, quickOptions);
    this.cleanup =
        Workflow.newActivityStub(
            RestoreActivities.class,
            quickOptions.toBuilder()
                .setScheduleToCloseTimeout(Duration.ofHours(1))
                .setRetryOptions(retry.toBuilder().setMaximumAttempts(0).build())
                .build());
    this.restorer =
        Workflow.newActivityStub(
            RestoreActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(RestoreWorkflowImpl.RESTORE_TIMEOUT)
                .setHeartbeatTimeout(BackupRequest.DEFAULT_HEARTBEAT_TIMEOUT)
                .setRetryOptions(
                    retry.toBuilder()
                        .setInitialInterval(Duration.ofSeconds(10))
                        .setMaximumInterval(Duration.ofMinutes(5))
                        .setMaximumAttempts(3)
                        .build())
                .build());
  }

  /** {@code rollgate_drill_orders_1a2b3c4d}: unique per drill, at most 63 characters. */
  static String scratchName(String database, String runId) {
    String shortId = runId.replace("-", "").substring(0, 8).toLowerCase(Locale.ROOT);
    String prefix = "rollgate_drill_";
    String db = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    int room = MAX_IDENTIFIER - prefix.length() - 1 - shortId.length();
    return prefix + (db.length() > room ? db.substring(0, room) : db) + "_" + shortId;
  }

  @Override
  public DrillOutcome run(DrillRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new DrillOutcome(end.phase(), end.summary(), drill);
  }

  private String steps() {
    pause.decide();
    release.publish();
    release.enter(Phase.RUNNING, "resolving the newest backup");
    BackupInfo backup = quick.resolve(request.database(), null);
    release.checkAborted();
    pause.hold();
    stage = "restoring";
    release.enter(Phase.RUNNING, "restoring " + backup.backupId() + " into " + scratch);
    Undo scratchDb = new Undo("scratch", scratch, null);
    release.changed(scratchDb);
    long t0 = Workflow.currentTimeMillis();
    RestoreResult restored;
    try {
      restored =
          restorer.restore(request.database(), new RestoreJob(backup.backupId(), scratch, false));
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof ApplicationFailure why) {
        // a drill that could not restore (a corrupted object) is a failed drill: record it
        record(backup, false, Workflow.currentTimeMillis() - t0, List.of(why.getOriginalMessage()));
      }
      throw failure;
    }
    release.checkAborted();
    if (pause.hold()) {
      release.enter(Phase.RUNNING, "comparing row counts");
    }
    stage = "comparing";
    List<String> mismatches = compare(backup.rowCounts(), restored.rowCounts());
    record(backup, mismatches.isEmpty(), restored.durationMillis(), mismatches);
    if (!mismatches.isEmpty()) {
      throw release.fail(
          FailureType.CORRUPTED,
          "drill of "
              + backup.backupId()
              + " failed: "
              + Words.count(mismatches.size(), "table")
              + (mismatches.size() == 1 ? " differs: " : " differ: ")
              + String.join("; ", mismatches));
    }
    pause.hold();
    stage = "dropping";
    release.enter(Phase.RUNNING, "dropping " + scratch);
    cleanup.drop(request.database(), scratch);
    release.settled(scratchDb);
    stage = "done";
    return "drill of "
        + backup.backupId()
        + " passed: "
        + Words.count(restored.rowCounts() == null ? 0 : restored.rowCounts().size(), "table")
        + " match, restored in "
        + Words.duration(Duration.ofMillis(restored.durationMillis()))
        + ", "
        + scratch
        + " dropped";
  }

  private void record(BackupInfo backup, boolean passed, long millis, List<String> mismatches) {
    drill =
        new DrillRecord(
            Workflow.getInfo().getWorkflowId(),
            backup.backupId(),
            request.database(),
            passed,
            millis,
            mismatches,
            Workflow.currentTimeMillis());
    quick.recordDrill(drill);
  }

  /** One line per table whose count differs, in table order. */
  static List<String> compare(Map<String, Long> backedUp, Map<String, Long> restored) {
    Map<String, Long> b = backedUp == null ? Map.of() : backedUp;
    Map<String, Long> r = restored == null ? Map.of() : restored;
    List<String> out = new ArrayList<>();
    TreeSet<String> tables = new TreeSet<>(b.keySet());
    tables.addAll(r.keySet());
    for (String t : tables) {
      Long inBackup = b.get(t);
      Long inRestore = r.get(t);
      if (inBackup == null) {
        out.add(t + ": not in the backup's counts, " + inRestore + " restored");
      } else if (inRestore == null) {
        out.add(t + ": " + inBackup + " in the backup, missing after restore");
      } else if (!inBackup.equals(inRestore)) {
        out.add(t + ": " + inBackup + " in the backup, " + inRestore + " restored");
      }
    }
    return out;
  }

  /**
   * A pause holds the drill between its steps (a running restore finishes first); refused while it
   * drops its scratch database, the last step.
   */
  @Override
  public String refuse(String verb) {
    if (pause.honoured() && ReleaseControls.PAUSE.equals(verb) && stage.equals("dropping")) {
      return "the drill is dropping its scratch database, the last step: it cannot be paused";
    }
    return null;
  }

  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    return Async.procedure(cleanup::drop, request.database(), change.subject())
        .thenApply(done -> "scratch database " + change.subject() + " dropped");
  }

  @Override
  public double progress() {
    return switch (stage) {
      case "resolving" -> 0;
      case "restoring" -> 20;
      case "comparing" -> 80;
      case "dropping" -> 90;
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
      case "resolving" -> "resolving the newest backup of " + request.database();
      case "restoring" -> "restoring into " + scratch;
      case "comparing" -> "comparing row counts";
      case "dropping" -> "dropping " + scratch;
      default ->
          drill == null
              ? "no drill"
              : (drill.passed() ? "passed" : "failed") + " (" + scratch + ")";
    };
  }

  @Override
  public String next() {
    String next =
        switch (stage) {
          case "resolving" -> "restore";
          case "restoring" -> "compare row counts";
          case "comparing" -> "drop " + scratch;
          default -> null;
        };
    return next != null && release.isPaused() ? next + " (held until resume)" : next;
  }
}
