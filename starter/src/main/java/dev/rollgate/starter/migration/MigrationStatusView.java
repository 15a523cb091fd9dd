package dev.rollgate.starter.migration;

import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.ReleasePrinter;
import dev.rollgate.workflows.migration.BackfillProgress;
import dev.rollgate.workflows.migration.MigrationStatus;
import dev.rollgate.workflows.migration.VerifyResult;
import dev.rollgate.workflows.release.Words;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Status of a migration: the {@code migration} query, with the backfill's progress from the running
 * slice's last heartbeat when there is one (fresher than the last finished slice).
 */
final class MigrationStatusView implements Kind.StatusView {
  static final int BAR = 30;

  @Override
  public Object query(WorkflowStub stub) {
    return stub.query("migration", MigrationStatus.class);
  }

  @Override
  public Object query(TemporalConnection temporal, String workflowId) {
    MigrationStatus status =
        temporal
            .client
            .newUntypedWorkflowStub(workflowId)
            .query("migration", MigrationStatus.class);
    BackfillProgress live = heartbeat(temporal, workflowId);
    if (live == null || status.release().phase().isTerminal()) {
      return status;
    }
    return new MigrationStatus(
        status.release(),
        status.stage(),
        status.stepsDone(),
        status.stepsTotal(),
        status.preflight(),
        live,
        status.filled(),
        status.backfills(),
        status.batchTargetMillis(),
        status.verified(),
        status.expandedAt(),
        status.contractBackup(),
        status.withoutBackup());
  }

  /** The running backfill slice's last heartbeat, or null. */
  static BackfillProgress heartbeat(TemporalConnection temporal, String workflowId) {
    return WorkflowTargets.heartbeat(temporal, workflowId, "BackfillSlice", BackfillProgress.class);
  }

  @Override
  public void print(PrintWriter out, Object status, Instant now) {
    MigrationStatus s = (MigrationStatus) status;
    ReleasePrinter.VIEW.print(out, s.release(), now);
    out.printf(
        "Stage      %s%s%n",
        s.stage(),
        s.stepsTotal() > 0 ? " (" + s.stepsDone() + " of " + s.stepsTotal() + " SQL steps)" : "");
    if (s.preflight() != null) {
      out.printf("Server     PostgreSQL %s%n", s.preflight().serverVersion());
      s.preflight().findings().forEach(f -> out.printf("Preflight  %s%n", f));
    }
    for (BackfillProgress done : s.filled()) {
      if (done != s.backfill()) {
        out.printf("Backfilled %s: %,d rows%n", done.table(), done.rowsDone());
      }
    }
    if (s.backfill() != null) {
      out.println("Backfill   " + line(s.backfill()));
      if (s.backfill().throttled() != null) {
        out.printf("Throttled  %s%n", s.backfill().throttled());
      }
      out.printf(
          Locale.ROOT,
          "Batches    %,d of %,d rows, target %d ms (rollgate migrate resize)%n",
          s.backfill().batches(),
          s.backfill().batchSize(),
          s.batchTargetMillis());
    }
    for (VerifyResult v : s.verified()) {
      out.printf(
          "Verify     %s: %s%n",
          v.description(),
          v.passed() ? "ok" : String.format(Locale.ROOT, "%,d rows differ", v.mismatches()));
    }
    if (s.expandedAt() != null) {
      out.printf("Expanded   %s%n", s.expandedAt());
    }
    if (s.contractBackup() != null) {
      out.printf("Backup     %s (verified)%n", s.contractBackup());
    }
    if (s.withoutBackup() != null) {
      out.printf("Backup     none: %s%n", s.withoutBackup());
    }
  }

  /**
   * {@code public.orders [#########.....] 41 % 410,112 of 1,000,000 rows, 3,900 rows/s, ETA 2m
   * 31s}.
   */
  static String line(BackfillProgress p) {
    int filled = (int) Math.floor(p.fraction() * BAR);
    long eta = p.etaSeconds();
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %d %% %,d of %,d rows, %,d rows/s%s",
        p.table(),
        "#".repeat(filled),
        ".".repeat(BAR - filled),
        (int) Math.floor(p.fraction() * 100),
        p.rowsDone(),
        p.rowsTotal(),
        Math.round(p.rowsPerSecond()),
        eta < 0 ? "" : ", ETA " + Words.duration(Duration.ofSeconds(eta)));
  }

  @Override
  public boolean ended(Object status) {
    return ((MigrationStatus) status).release().phase().isTerminal();
  }
}
