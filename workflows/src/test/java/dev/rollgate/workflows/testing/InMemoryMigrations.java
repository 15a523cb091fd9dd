package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.migration.BackfillJob;
import dev.rollgate.workflows.migration.BackfillProgress;
import dev.rollgate.workflows.migration.MigrationActivities;
import dev.rollgate.workflows.migration.MigrationPreflight;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.RollbackJob;
import dev.rollgate.workflows.migration.StepJob;
import dev.rollgate.workflows.migration.VerifyCheck;
import dev.rollgate.workflows.migration.VerifyResult;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A migration's target database in memory: every statement run (in order), a backfill that fills
 * {@link #rowsPerSlice} rows per slice, verify counts set by the test, and the verified backups.
 */
public final class InMemoryMigrations implements MigrationActivities {
  /** Statements run, in order ({@code sql}), each once per idempotency key. */
  public final List<String> ran = new CopyOnWriteArrayList<>();

  /** Batch targets of the slices, in order. */
  public final List<Long> sliceTargets = new CopyOnWriteArrayList<>();

  /** Verify mismatches by check description (0 when absent). */
  public final Map<String, Long> mismatches = new ConcurrentHashMap<>();

  /** SQL that fails permanently. */
  public final Set<String> failing = ConcurrentHashMap.newKeySet();

  /** The verified backups: id → started at. */
  public final Map<String, Long> verifiedBackups = new ConcurrentHashMap<>();

  /** What preflight finds blocking, for the next {@link #blockedChecks} calls. */
  public volatile List<String> blocking = List.of();

  public final AtomicInteger blockedChecks = new AtomicInteger();

  public volatile long rowsTotal = 1_000;
  public volatile long rowsPerSlice = 100;
  public volatile long sliceRealMillis = 0;

  private final Map<String, Long> done = new ConcurrentHashMap<>();
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final LongSupplier clock;

  public InMemoryMigrations(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public PlannedMigration render(String database, MigrationPlan plan) {
    return MigrationPlanner.render(plan, database, 18);
  }

  @Override
  public MigrationPreflight preflight(PlannedMigration plan) {
    return new MigrationPreflight(
        "18.1",
        18,
        List.of("no long-running transactions"),
        blockedChecks.getAndDecrement() > 0 ? blocking : List.of());
  }

  @Override
  public String execute(StepJob job) {
    if (failing.contains(job.step().sql())) {
      throw FailureType.CONFLICT.permanent(job.step().description() + ": lock not acquired");
    }
    if (!keys.add(job.key())) {
      return "already done";
    }
    ran.add(job.step().sql());
    return "done";
  }

  @Override
  public BackfillProgress backfill(BackfillJob job) {
    sliceTargets.add(job.batchTargetMillis());
    if (sliceRealMillis > 0) {
      try {
        Thread.sleep(sliceRealMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String key = job.migration() + "#" + job.index();
    long rows = done.merge(key, rowsPerSlice, (a, b) -> Math.min(rowsTotal, a + b));
    long batches = (rows + 9) / 10;
    return new BackfillProgress(
        job.backfill().schema() + "." + job.backfill().table(),
        rows,
        rowsTotal,
        rowsPerSlice / 5.0,
        10,
        batches,
        rows < rowsTotal / 2 ? "autovacuum running on " + job.backfill().table() : null,
        0,
        rows >= rowsTotal);
  }

  @Override
  public List<VerifyResult> verify(String database, List<VerifyCheck> checks) {
    ran.add("verify");
    return checks.stream()
        .map(c -> new VerifyResult(c.description(), mismatches.getOrDefault(c.description(), 0L)))
        .toList();
  }

  @Override
  public BackupInfo verifiedBackup(String database, long newerThanMillis) {
    return verifiedBackups.entrySet().stream()
        .filter(e -> e.getValue() > newerThanMillis)
        .map(
            e ->
                new BackupInfo(
                    e.getKey(),
                    database,
                    "COMPLETED",
                    "b",
                    "k",
                    1,
                    "ab12",
                    "18.1",
                    "18.1",
                    "custom",
                    e.getValue(),
                    e.getValue() + 1,
                    Map.of(),
                    clock.getAsLong(),
                    null))
        .findFirst()
        .orElse(null);
  }

  @Override
  public String whyNoBackup(String database, long newerThanMillis) {
    return verifiedBackups.isEmpty()
        ? "no backup of database " + database + " since " + Instant.ofEpochMilli(newerThanMillis)
        : "rejected backups of "
            + database
            + ": "
            + String.join(
                "; ",
                verifiedBackups.keySet().stream()
                    .sorted()
                    .map(id -> id + ": older than expand")
                    .toList());
  }

  @Override
  public String rollback(RollbackJob job) {
    job.steps().forEach(s -> ran.add(s.sql()));
    done.keySet().removeIf(k -> k.startsWith(job.migration() + "#"));
    return job.steps().size() + " rollback steps";
  }

  /** Rows the in-memory backfill filled so far for a migration key prefix. */
  public long filled() {
    return done.values().stream().mapToLong(Long::longValue).sum();
  }
}
