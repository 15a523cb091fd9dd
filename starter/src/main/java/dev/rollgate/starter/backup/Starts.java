package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.ReleaseStatus;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starting a backup, restore or drill (and a migration: {@link #start}, {@link #requireDatabase}),
 * and following it with {@code --wait}.
 */
public final class Starts {
  /**
   * How often {@code --wait} looks at the phase and progress; a progress line is printed at most
   * this often off a terminal. The end is seen at once (a long poll on the result in between).
   */
  static final Duration POLL = Duration.ofMillis(500);

  static final Duration LINE_EVERY = Duration.ofSeconds(5);

  private Starts() {}

  /**
   * Before a backup starts: the worker knows the database ({@code GET /api/backups}); an unknown
   * one is bad input (exit 2) and nothing starts.
   */
  public static void requireDatabase(ConnectionOptions connection, String database) {
    BackupListCommand.fetch(connection, database, true);
  }

  /**
   * Before a restore or drill starts: the database is known and has the completed backup to restore
   * ({@code backupId}, or any when null); otherwise bad input (exit 2), nothing started. The
   * messages are the workflow's own (RestoreActivities#resolve).
   */
  static void requireCompletedBackup(
      ConnectionOptions connection, String database, String backupId) {
    List<BackupInfo> completed =
        BackupListCommand.fetch(connection, database, true).stream()
            .filter(b -> b.status().equals("COMPLETED"))
            .toList();
    if (backupId != null && completed.stream().noneMatch(b -> b.backupId().equals(backupId))) {
      throw CliException.usage(
          "no completed backup '" + backupId + "' of database '" + database + "'");
    }
    if (completed.isEmpty()) {
      throw CliException.usage("database '" + database + "' has no completed backup");
    }
  }

  /**
   * Starts {@code type} as {@code workflowId}; a running workflow of that id is one clear refusal.
   *
   * @param reuse whether a finished workflow's id may be used again (restores: yes; backups: no, a
   *     backup id names one backup forever)
   */
  public static WorkflowStub start(
      TemporalConnection temporal,
      String type,
      String workflowId,
      String kind,
      String target,
      String summary,
      boolean reuse,
      Object request) {
    WorkflowStub stub =
        temporal.client.newUntypedWorkflowStub(
            type,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(TaskQueues.ROLLGATE)
                .setWorkflowIdReusePolicy(
                    reuse
                        ? WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
                        : WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setTypedSearchAttributes(
                    SearchAttributes.newBuilder()
                        .set(RollgateSearchAttributes.KIND, kind)
                        .set(RollgateSearchAttributes.TARGET, target)
                        .set(RollgateSearchAttributes.PHASE, Phase.STARTING.name())
                        .set(RollgateSearchAttributes.PROGRESS, 0.0)
                        .build())
                .setStaticSummary(summary)
                .build());
    try {
      stub.start(request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(
          "refused: " + workflowId + " already exists (rollgate " + kind + " status ...)");
    }
    return stub;
  }

  /**
   * Follows a started workflow until it closes: phase changes as lines, and the running dump's or
   * restore's progress (bytes, MB/s) updated in place on a terminal, a line every {@link
   * #LINE_EVERY} otherwise. Returns the result; a failure is one CliException.
   */
  static <R> R follow(
      TemporalConnection temporal,
      WorkflowStub stub,
      String workflowId,
      Class<R> resultType,
      PrintWriter out,
      boolean terminal) {
    String lastPhase = null;
    long lastLine = 0;
    boolean inPlace = false;
    while (true) {
      var info = WorkflowTargets.describe(temporal, workflowId).getWorkflowExecutionInfo();
      if (info.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        break;
      }
      try {
        ReleaseStatus s = stub.query("release", ReleaseStatus.class);
        String phase = s.phase() + " " + s.step();
        if (!phase.equals(lastPhase)) {
          if (inPlace) {
            out.println();
            inPlace = false;
          }
          out.println(workflowId + ": " + s.phase() + " · " + s.step());
          if (s.phase() == Phase.AWAITING_APPROVAL) {
            out.println(
                "  needs an approval from someone else: rollgate approve "
                    + workflowId
                    + " --by NAME");
          }
          lastPhase = phase;
        }
      } catch (RuntimeException e) {
        // the first workflow task has not run yet
      }
      BackupStatusView.Progress progress = BackupStatusView.progress(temporal, workflowId);
      long now = System.nanoTime();
      if (progress != null) {
        if (terminal) {
          out.print("\r  " + progress.line() + "   ");
          inPlace = true;
        } else if (now - lastLine >= LINE_EVERY.toNanos()) {
          out.println("  " + progress.line());
          lastLine = now;
        }
      }
      out.flush();
      if (closesWithin(stub, POLL)) {
        break;
      }
    }
    if (inPlace) {
      out.println();
    }
    try {
      return stub.getResult(resultType);
    } catch (RuntimeException e) {
      throw new CliException(workflowId + " failed: " + Console.reason(e));
    }
  }

  /**
   * Waits up to {@code d} for the workflow to close: a long poll on its result that returns as soon
   * as it closes, so {@code --wait} ends with the workflow, not up to a poll interval later.
   */
  static boolean closesWithin(WorkflowStub stub, Duration d) {
    try {
      stub.getResult(d.toMillis(), TimeUnit.MILLISECONDS, Object.class);
      return true;
    } catch (TimeoutException stillRunning) {
      return false;
    } catch (RuntimeException closedOrUnreachable) {
      return true; // closed unsuccessfully, or not reachable: getResult below says which
    }
  }

  /** Whether stdout is a terminal (a progress line is then updated in place). */
  static boolean terminal() {
    return System.console() != null;
  }
}
