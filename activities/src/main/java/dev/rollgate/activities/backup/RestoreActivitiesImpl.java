package dev.rollgate.activities.backup;

import dev.rollgate.activities.aws.AwsFailures;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.DrillRecord;
import dev.rollgate.workflows.backup.RestoreActivities;
import dev.rollgate.workflows.backup.RestoreJob;
import dev.rollgate.workflows.backup.RestoreResult;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Restores and drills: the object is downloaded into {@code <state>/tmp/restore/} while hashed,
 * refused when its SHA-256 differs from the recorded one, then {@code pg_restore}d into a new (or,
 * with {@code replace}, a dropped and recreated) database on the registered database's server.
 */
public class RestoreActivitiesImpl implements RestoreActivities {
  static final String GAUGE = "rollgate.backup.last.verified.timestamp.seconds";
  private static final Logger log = LoggerFactory.getLogger(RestoreActivitiesImpl.class);
  private static final Set<String> SYSTEM_DATABASES = Set.of("postgres", "template0", "template1");
  private static final String RESTORING = "rollgate: restoring ";

  /** pg_restore's timeout when the activity has none (the workflows give it 6 h). */
  static final Duration RESTORE_TIMEOUT = Duration.ofHours(6);

  private final DatabaseRegistry registry;
  private final BackupStore store;
  private final S3Client s3;
  private final Supplier<Path> pgRestore;
  private final Path workDir;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final Map<String, AtomicLong> lastVerified = new ConcurrentHashMap<>();

  /**
   * @param stateDir Rollgate's state directory; downloads go to {@code <stateDir>/tmp/restore}
   */
  public RestoreActivitiesImpl(
      DatabaseRegistry registry,
      BackupStore store,
      S3Client s3,
      Supplier<Path> pgRestore,
      Path stateDir,
      Clock clock,
      MeterRegistry metrics) {
    this.registry = registry;
    this.store = store;
    this.s3 = s3;
    this.pgRestore = pgRestore;
    this.workDir = stateDir.resolve("tmp").resolve("restore");
    this.clock = clock;
    this.metrics = metrics;
    try {
      store.lastVerified().forEach(this::verified);
    } catch (RuntimeException e) {
      log.warn("backup gauges start empty: {}", FailureType.rootMessage(e));
    }
  }

  private void verified(String database, long atMillis) {
    lastVerified
        .computeIfAbsent(
            database,
            db -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder(GAUGE, value, v -> v.get() / 1000.0)
                  .description("When a restore drill last verified a backup of the database")
                  .tag("database", db)
                  .register(metrics);
              return value;
            })
        .accumulateAndGet(atMillis, Math::max);
  }

  @Override
  public BackupInfo resolve(String database, String backupId) {
    registry.target(database);
    try {
      if (backupId != null) {
        return store
            .find(backupId)
            .filter(b -> b.database().equals(database) && b.status().equals("COMPLETED"))
            .orElseThrow(
                () ->
                    FailureType.NOT_FOUND.permanent(
                        "no completed backup '" + backupId + "' of database '" + database + "'"));
      }
      return store.list(database).stream()
          .filter(b -> b.status().equals("COMPLETED"))
          .findFirst()
          .orElseThrow(
              () ->
                  FailureType.NOT_FOUND.permanent(
                      "database '" + database + "' has no completed backup"));
    } catch (RuntimeException e) {
      throw AwsFailures.translate("resolving the backup of " + database, e);
    }
  }

  @Override
  public boolean exists(String database, String targetDatabase) {
    DatabaseRegistry.Target server = registry.target(database);
    requireName(targetDatabase);
    try (Connection c = server.open()) {
      return comment(c, targetDatabase) != null;
    } catch (Exception e) {
      throw AwsFailures.translate("looking for database '" + targetDatabase + "'", e);
    }
  }

  /** The database's comment, "" when it has none, null when it does not exist. */
  private static String comment(Connection c, String database) throws Exception {
    try (PreparedStatement s =
        c.prepareStatement(
            "select coalesce(shobj_description(oid, 'pg_database'), '') from pg_database"
                + " where datname = ?")) {
      s.setString(1, database);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private static void requireName(String target) {
    String problem = BackupIds.databaseProblem(target);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem.replace("(--database)", "(target)"));
    }
    if (SYSTEM_DATABASES.contains(target.toLowerCase(Locale.ROOT))) {
      throw FailureType.INVALID_INPUT.permanent(
          "'" + target + "' is a system database: choose another target");
    }
  }

  @Override
  public RestoreResult restore(String database, RestoreJob job) {
    DatabaseRegistry.Target server = registry.target(database);
    requireName(job.targetDatabase());
    BackupInfo backup = resolve(database, job.backupId());
    ActivityExecutionContext context = Activity.getExecutionContext();
    long t0 = clock.millis();
    String target = job.targetDatabase();
    try (Connection admin = server.open()) {
      String existing = comment(admin, target);
      boolean ours = existing != null && existing.equals(RESTORING + backup.backupId());
      if (existing != null && !job.replace() && !ours) {
        throw FailureType.REFUSED.permanent(
            "database '" + target + "' exists: restore into a new database, or replace it");
      }
      Path file = download(backup, context);
      try {
        var sql = DSL.using(admin, SQLDialect.POSTGRES);
        if (existing != null) {
          sql.execute("drop database if exists {0} with (force)", DSL.name(target));
        }
        sql.execute("create database {0}", DSL.name(target));
        sql.execute(
            "comment on database {0} is {1}",
            DSL.name(target), DSL.inline(RESTORING + backup.backupId()));
        DatabaseRegistry.Target into = server.onDatabase(target);
        runPgRestore(into, file, backup, context);
        Map<String, Long> counts;
        try (Connection c = into.open()) {
          counts = PgTools.countRows(c);
        }
        sql.execute(
            "comment on database {0} is {1}",
            DSL.name(target), DSL.inline("rollgate: restored from " + backup.backupId()));
        return new RestoreResult(
            backup.backupId(),
            server.server(),
            target,
            backup.sizeBytes(),
            backup.sha256(),
            clock.millis() - t0,
            counts);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (Exception e) {
      throw AwsFailures.translate("restoring " + backup.backupId() + " into " + target, e);
    }
  }

  /** Downloads the object while hashing it; refuses (and deletes) it when the hash differs. */
  private Path download(BackupInfo backup, ActivityExecutionContext context) throws Exception {
    Files.createDirectories(workDir);
    Path file =
        workDir.resolve(backup.backupId().replace('/', '_') + "-" + UUID.randomUUID() + ".dump");
    MessageDigest digest = StreamingBackup.sha256();
    long started = System.nanoTime();
    long lastBeat = started;
    long bytes = 0;
    boolean ok = false;
    try (InputStream in = s3.getObject(b -> b.bucket(backup.bucket()).key(backup.objectKey()));
        OutputStream out = Files.newOutputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) >= 0) {
        digest.update(buf, 0, n);
        out.write(buf, 0, n);
        bytes += n;
        long now = System.nanoTime();
        if (now - lastBeat >= TimeUnit.SECONDS.toNanos(1)) {
          context.heartbeat(progress(bytes, started, now));
          lastBeat = now;
        }
      }
      String got = HexFormat.of().formatHex(digest.digest());
      if (!got.equals(backup.sha256())) {
        throw FailureType.CORRUPTED.permanent(
            "backup "
                + backup.backupId()
                + ": checksum mismatch (expected "
                + backup.sha256()
                + ", got "
                + got
                + "): refused, nothing restored");
      }
      ok = true;
      return file;
    } finally {
      if (!ok) {
        Files.deleteIfExists(file);
      }
    }
  }

  private static StreamingBackup.Progress progress(long bytes, long started, long now) {
    double seconds = Math.max(1e-3, (now - started) / 1e9);
    return new StreamingBackup.Progress(bytes, Math.round(bytes / seconds / 1e4) / 100.0);
  }

  private void runPgRestore(
      DatabaseRegistry.Target into, Path file, BackupInfo backup, ActivityExecutionContext context)
      throws Exception {
    Path tool;
    try {
      tool = pgRestore.get();
    } catch (IllegalStateException missing) {
      throw FailureType.INVALID_INPUT.permanent(missing.getMessage());
    }
    Process p =
        PgTools.start(
            List.of(
                tool.toString(),
                "--no-owner",
                "--no-acl",
                "--no-password",
                "--dbname=" + into.libpqUri(),
                file.toString()),
            into);
    try (PgTools.Child child =
        new PgTools.Child(
            p,
            "pg_restore of " + backup.backupId(),
            PgTools.attemptTimeout(context, RESTORE_TIMEOUT))) {
      p.getOutputStream().close();
      PgTools.Drain stdout = new PgTools.Drain(p.getInputStream(), "pg_restore-stdout");
      PgTools.Drain stderr = new PgTools.Drain(p.getErrorStream(), "pg_restore-stderr");
      long started = System.nanoTime();
      int exit =
          child.await(
              () -> context.heartbeat(progress(backup.sizeBytes(), started, System.nanoTime())));
      stdout.text();
      if (exit != 0) {
        throw FailureType.UNAVAILABLE.transientFailure(
            "pg_restore of " + backup.backupId() + " exited with " + exit + ": " + stderr.text(),
            null);
      }
    } catch (PgTools.Child.TimedOut e) {
      throw FailureType.UNAVAILABLE.transientFailure(e.getMessage(), null);
    }
  }

  @Override
  public void drop(String database, String targetDatabase) {
    DatabaseRegistry.Target server = registry.target(database);
    requireName(targetDatabase);
    if (targetDatabase.equals(server.databaseName())) {
      throw FailureType.INVALID_INPUT.permanent(
          "'" + targetDatabase + "' is the registered database itself: not dropped");
    }
    try (Connection c = server.open()) {
      DSL.using(c, SQLDialect.POSTGRES)
          .execute("drop database if exists {0} with (force)", DSL.name(targetDatabase));
    } catch (Exception e) {
      throw AwsFailures.translate("dropping database '" + targetDatabase + "'", e);
    }
  }

  @Override
  public void recordDrill(DrillRecord drill) {
    try {
      store.drill(drill);
    } catch (RuntimeException e) {
      throw AwsFailures.translate("recording drill " + drill.drillId(), e);
    }
    if (drill.passed()) {
      verified(drill.database(), drill.atMillis());
    }
  }
}
