package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupActivities;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.DrillRecord;
import dev.rollgate.workflows.backup.DumpJob;
import dev.rollgate.workflows.backup.Preflight;
import dev.rollgate.workflows.backup.RestoreActivities;
import dev.rollgate.workflows.backup.RestoreJob;
import dev.rollgate.workflows.backup.RestoreResult;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import io.temporal.activity.Activity;
import io.temporal.client.ActivityCanceledException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Backups and restores in memory, for workflow and CLI tests: the contracts' behaviour (idempotent
 * dump by id, NOT_FOUND, REFUSED, CORRUPTED) without PostgreSQL or S3. Heartbeat details of a
 * running dump are {@code {"bytes": long, "mbPerSecond": double}}, as the real engine's.
 */
public final class InMemoryBackups implements BackupActivities, RestoreActivities {
  public final Set<String> databases = ConcurrentHashMap.newKeySet();
  public final Map<String, BackupInfo> backups = new ConcurrentHashMap<>();
  public final Map<String, Long> rows = new ConcurrentHashMap<>(Map.of("public.orders", 1000L));
  public final List<String> dumps = new CopyOnWriteArrayList<>();
  public final List<String> discards = new CopyOnWriteArrayList<>();
  public final List<String> deleted = new CopyOnWriteArrayList<>();
  public final List<String> restores = new CopyOnWriteArrayList<>();
  public final List<String> drops = new CopyOnWriteArrayList<>();
  public final List<DrillRecord> drills = new CopyOnWriteArrayList<>();

  /** Existing databases per server ({@code exists}); restores add their target. */
  public final Set<String> existing = ConcurrentHashMap.newKeySet();

  /** Backups whose object is corrupted (restore refuses them). */
  public final Set<String> corrupted = ConcurrentHashMap.newKeySet();

  /** Row counts a restore finds instead of the backup's, per table. */
  public final Map<String, Long> restoredRows = new ConcurrentHashMap<>();

  /** Set to make the preflight fail (non-retryable INVALID_INPUT) with this message. */
  public volatile String preflightFailure;

  /** Set to make every dump attempt fail (non-retryable UNAVAILABLE) with this message. */
  public volatile String dumpFailure;

  /** Set to make retention planning refuse with this message. */
  public volatile String retentionRefusal;

  /**
   * Set to make applying retention fail as S3 being down would (retryable UNAVAILABLE, every
   * attempt), with this message.
   */
  public volatile String retentionFailure;

  /** While true, a dump heartbeats progress until it is cancelled. */
  public final AtomicBoolean blockDump = new AtomicBoolean();

  /** While true, a restore heartbeats until it is released (or cancelled). */
  public final AtomicBoolean blockRestore = new AtomicBoolean();

  public volatile CountDownLatch restoreStarted = new CountDownLatch(1);

  /** Databases whose retention was planned, in order. */
  public final List<String> plans = new CopyOnWriteArrayList<>();

  public volatile CountDownLatch dumpStarted = new CountDownLatch(1);
  public final AtomicBoolean dumpCancelled = new AtomicBoolean();
  private final LongSupplier clock;

  public InMemoryBackups(LongSupplier clock, String... databases) {
    this.clock = clock;
    this.databases.addAll(List.of(databases));
  }

  /** A completed backup from the past, e.g. to test retention and restores. */
  public BackupInfo completed(String id, String database, long atMillis, Long verifiedAt) {
    BackupInfo b =
        new BackupInfo(
            id,
            database,
            "COMPLETED",
            "backups",
            id + ".dump.zst",
            1_300_000_000L,
            "ab12cd34ef56" + "0".repeat(52),
            "18.6",
            "18.6",
            "custom+zstd",
            atMillis,
            atMillis + 48_000,
            Map.copyOf(rows),
            verifiedAt,
            null);
    backups.put(id, b);
    return b;
  }

  @Override
  public Preflight preflight(String database) {
    if (!databases.contains(database)) {
      throw FailureType.NOT_FOUND.permanent("database '" + database + "' is not registered");
    }
    if (preflightFailure != null) {
      throw FailureType.INVALID_INPUT.permanent(preflightFailure);
    }
    return new Preflight(database, "18.6", "18.6", "backups");
  }

  @Override
  public BackupInfo dump(DumpJob job) {
    BackupInfo done = backups.get(job.backupId());
    if (done != null && done.status().equals("COMPLETED")) {
      return done;
    }
    dumps.add(job.backupId());
    dumpStarted.countDown();
    if (dumpFailure != null) {
      throw FailureType.UNAVAILABLE.permanent(dumpFailure);
    }
    long t0 = clock.getAsLong();
    long bytes = 0;
    while (blockDump.get()) {
      bytes += 4 * 1024 * 1024;
      try {
        Activity.getExecutionContext().heartbeat(Map.of("bytes", bytes, "mbPerSecond", 42.5));
      } catch (ActivityCanceledException e) {
        dumpCancelled.set(true);
        throw e;
      }
      sleep(100);
    }
    BackupInfo b =
        new BackupInfo(
            job.backupId(),
            job.database(),
            "COMPLETED",
            "backups",
            job.backupId() + ".dump." + job.compression(),
            1_288_490_189L,
            "ab12cd34ef56" + "1".repeat(52),
            "18.6",
            "18.6",
            "custom+" + job.compression(),
            t0,
            t0 + 48_000,
            Map.copyOf(rows),
            null,
            job.scheduleId());
    backups.put(job.backupId(), b);
    return b;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String discard(String backupId, String reason) {
    discards.add(backupId);
    BackupInfo b = backups.get(backupId);
    if (b != null) {
      backups.put(backupId, with(b, "FAILED"));
    }
    return "discarded " + backupId;
  }

  private static BackupInfo with(BackupInfo b, String status) {
    return new BackupInfo(
        b.backupId(),
        b.database(),
        status,
        b.bucket(),
        b.objectKey(),
        b.sizeBytes(),
        b.sha256(),
        b.serverVersion(),
        b.pgDumpVersion(),
        b.format(),
        b.startedAtMillis(),
        b.finishedAtMillis(),
        b.rowCounts(),
        b.verifiedAtMillis(),
        b.scheduleId());
  }

  @Override
  public List<BackupInfo> list(String database) {
    if (!databases.contains(database)) {
      throw FailureType.NOT_FOUND.permanent("database '" + database + "' is not registered");
    }
    return backups.values().stream()
        .filter(b -> b.database().equals(database))
        .sorted(Comparator.comparingLong(BackupInfo::startedAtMillis).reversed())
        .toList();
  }

  /** Keeps the newest {@code keepLast} (at least {@code minimum}) completed backups. */
  @Override
  public RetentionPlan planRetention(String database, RetentionPolicy policy) {
    plans.add(database);
    if (retentionRefusal != null) {
      throw FailureType.REFUSED.permanent(retentionRefusal);
    }
    List<BackupInfo> completed =
        list(database).stream().filter(b -> b.status().equals("COMPLETED")).toList();
    int keep =
        Math.max(
            policy.minimum(), policy.keepLast() == null ? completed.size() : policy.keepLast());
    List<RetentionPlan.Entry> kept = new ArrayList<>();
    List<RetentionPlan.Entry> gone = new ArrayList<>();
    for (int i = 0; i < completed.size(); i++) {
      (i < keep ? kept : gone)
          .add(new RetentionPlan.Entry(completed.get(i), i < keep ? "newest " + keep : "older"));
    }
    return new RetentionPlan(database, kept, gone);
  }

  @Override
  public RetentionPlan applyRetention(RetentionPlan plan) {
    if (retentionFailure != null) {
      throw FailureType.UNAVAILABLE.transientFailure(retentionFailure, null);
    }
    for (RetentionPlan.Entry e : plan.delete()) {
      deleted.add(e.backup().backupId());
      backups.put(e.backup().backupId(), with(e.backup(), "DELETED"));
    }
    return plan;
  }

  @Override
  public BackupInfo resolve(String database, String backupId) {
    if (backupId != null) {
      BackupInfo b = backups.get(backupId);
      if (b == null || !b.database().equals(database) || !b.status().equals("COMPLETED")) {
        throw FailureType.NOT_FOUND.permanent("no completed backup '" + backupId + "'");
      }
      return b;
    }
    return list(database).stream()
        .filter(b -> b.status().equals("COMPLETED"))
        .findFirst()
        .orElseThrow(
            () ->
                FailureType.NOT_FOUND.permanent(
                    "database '" + database + "' has no completed backup"));
  }

  @Override
  public boolean exists(String database, String targetDatabase) {
    return existing.contains(targetDatabase);
  }

  @Override
  public RestoreResult restore(String database, RestoreJob job) {
    if (corrupted.contains(job.backupId())) {
      throw FailureType.CORRUPTED.permanent(
          "backup " + job.backupId() + " is corrupted: sha256 differs from the recorded one");
    }
    restoreStarted.countDown();
    while (blockRestore.get()) {
      Activity.getExecutionContext().heartbeat(Map.of("bytes", 1L, "mbPerSecond", 1.0));
      sleep(100);
    }
    BackupInfo b = backups.get(job.backupId());
    Map<String, Long> counts = new HashMap<>(b.rowCounts());
    counts.putAll(restoredRows);
    restores.add(
        job.backupId() + "->" + job.targetDatabase() + (job.replace() ? " (replace)" : ""));
    existing.add(job.targetDatabase());
    return new RestoreResult(
        job.backupId(), "db:5432", job.targetDatabase(), b.sizeBytes(), b.sha256(), 61_000, counts);
  }

  @Override
  public void drop(String database, String targetDatabase) {
    drops.add(targetDatabase);
    existing.remove(targetDatabase);
  }

  @Override
  public void recordDrill(DrillRecord drill) {
    drills.add(drill);
  }
}
