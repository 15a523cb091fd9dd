package dev.rollgate.starter.backup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.ReleasePrinter;
import dev.rollgate.workflows.backup.BackupWords;
import dev.rollgate.workflows.release.ReleaseStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Status of a backup, restore or drill: the kit's {@code release} query, plus the progress of a
 * running dump or restore, read from its last heartbeat (the workflow cannot see heartbeats).
 */
final class BackupStatusView implements Kind.StatusView {

  /** What the status shows (also the JSON output); {@code progress} null when nothing runs. */
  record BackupStatus(ReleaseStatus release, Progress progress) {}

  /**
   * A running activity's last heartbeat: {@code {"bytes": long, "mbPerSecond": double}}.
   *
   * @param activity e.g. {@code DumpToS3}
   */
  record Progress(String activity, long bytes, double mbPerSecond, int attempt) {
    String line() {
      return String.format(
          Locale.ROOT,
          "%s: %s at %.1f MB/s%s",
          activity,
          BackupWords.bytes(bytes),
          mbPerSecond,
          attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
  }

  @Override
  public Object query(WorkflowStub stub) {
    return new BackupStatus(stub.query("release", ReleaseStatus.class), null);
  }

  @Override
  public Object query(TemporalConnection temporal, String workflowId) {
    ReleaseStatus release =
        temporal.client.newUntypedWorkflowStub(workflowId).query("release", ReleaseStatus.class);
    return new BackupStatus(release, progress(temporal, workflowId));
  }

  /** The progress of the workflow's running dump or restore, or null. */
  static Progress progress(TemporalConnection temporal, String workflowId) {
    for (PendingActivityInfo a :
        WorkflowTargets.describe(temporal, workflowId).getPendingActivitiesList()) {
      if (!a.hasHeartbeatDetails()) {
        continue;
      }
      try {
        JsonNode details =
            temporal
                .client
                .getOptions()
                .getDataConverter()
                .fromPayloads(
                    0, Optional.of(a.getHeartbeatDetails()), JsonNode.class, JsonNode.class);
        return new Progress(
            a.getActivityType().getName(),
            details.path("bytes").asLong(),
            details.path("mbPerSecond").asDouble(),
            a.getAttempt());
      } catch (RuntimeException e) {
        // a heartbeat of another shape: no progress to show
      }
    }
    return null;
  }

  @Override
  public void print(PrintWriter out, Object status, Instant now) {
    BackupStatus s = (BackupStatus) status;
    ReleasePrinter.VIEW.print(out, s.release(), now);
    if (s.progress() != null) {
      out.printf("Progress   %s%n", s.progress().line());
    }
  }

  @Override
  public boolean ended(Object status) {
    return ((BackupStatus) status).release().phase().isTerminal();
  }
}
