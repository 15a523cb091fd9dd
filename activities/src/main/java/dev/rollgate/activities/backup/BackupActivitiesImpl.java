package dev.rollgate.activities.backup;

import dev.rollgate.activities.aws.AwsFailures;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupActivities;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.DumpJob;
import dev.rollgate.workflows.backup.Preflight;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Backups of registered databases to S3 ({@link StreamingBackup}) with their metadata in Rollgate's
 * PostgreSQL ({@link BackupStore}). {@link #list}, {@link #planRetention} and {@link
 * #applyRetention} need no activity context (the worker's API calls them directly).
 */
public class BackupActivitiesImpl implements BackupActivities {
  private static final Set<String> COMPRESSIONS = Set.of("zstd", "gzip");
  private static final Set<String> ENCRYPTIONS = Set.of("AES256", "aws:kms");

  private final DatabaseRegistry registry;
  private final BackupStore store;
  private final S3Client s3;
  private final StreamingBackup.Settings settings;
  private final Supplier<Path> pgDump;
  private final Clock clock;

  public BackupActivitiesImpl(
      DatabaseRegistry registry,
      BackupStore store,
      S3Client s3,
      StreamingBackup.Settings settings,
      Supplier<Path> pgDump,
      Clock clock) {
    this.registry = registry;
    this.store = store;
    this.s3 = s3;
    this.settings = settings;
    this.pgDump = pgDump;
    this.clock = clock;
  }

  @Override
  public Preflight preflight(String database) {
    DatabaseRegistry.Target target = registry.target(database);
    String toolVersion = PgTools.toolVersion(tool());
    PgTools.ServerVersion server = serverVersion(target);
    PgTools.requireAtLeast(toolVersion, server);
    checkBucket(s3, settings.bucket());
    return new Preflight(database, server.version(), toolVersion, settings.bucket());
  }

  /**
   * The bucket exists ({@code NOT_FOUND} if not) and takes a write ({@code INVALID_INPUT} if not):
   * a tiny probe object is written and deleted.
   */
  static void checkBucket(S3Client s3, String bucket) {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404) {
        throw FailureType.NOT_FOUND.permanent("bucket '" + bucket + "' does not exist");
      }
      if (e.statusCode() == 403) {
        throw FailureType.INVALID_INPUT.permanent(
            "bucket '" + bucket + "' is not accessible: " + e.awsErrorDetails().errorMessage());
      }
      throw AwsFailures.translate("checking bucket '" + bucket + "'", e);
    } catch (RuntimeException e) {
      throw AwsFailures.translate("checking bucket '" + bucket + "'", e);
    }
    String probe = "backups/.rollgate-probe-" + UUID.randomUUID();
    try {
      s3.putObject(b -> b.bucket(bucket).key(probe), RequestBody.fromString("probe"));
      s3.deleteObject(b -> b.bucket(bucket).key(probe));
    } catch (AwsServiceException e) {
      if (e.statusCode() == 403) {
        throw FailureType.INVALID_INPUT.permanent("bucket '" + bucket + "' is not writable");
      }
      throw AwsFailures.translate("writing to bucket '" + bucket + "'", e);
    } catch (RuntimeException e) {
      throw AwsFailures.translate("writing to bucket '" + bucket + "'", e);
    }
  }

  private Path tool() {
    try {
      return pgDump.get();
    } catch (IllegalStateException missing) {
      throw FailureType.INVALID_INPUT.permanent(missing.getMessage());
    }
  }

  static PgTools.ServerVersion serverVersion(DatabaseRegistry.Target target) {
    try (Connection c = target.open()) {
      return PgTools.serverVersion(c);
    } catch (Exception e) {
      throw AwsFailures.translate("connecting to database '" + target.name() + "'", e);
    }
  }

  @Override
  public BackupInfo dump(DumpJob job) {
    String compression = job.compression() == null ? "zstd" : job.compression();
    String encryption = job.encryption() == null ? "AES256" : job.encryption();
    if (!COMPRESSIONS.contains(compression)) {
      throw FailureType.INVALID_INPUT.permanent(
          "compression '" + compression + "' is not zstd or gzip");
    }
    if (!ENCRYPTIONS.contains(encryption)) {
      throw FailureType.INVALID_INPUT.permanent(
          "encryption '" + encryption + "' is not AES256 or aws:kms");
    }
    if (encryption.equals("aws:kms") && (job.kmsKeyId() == null || job.kmsKeyId().isBlank())) {
      throw FailureType.INVALID_INPUT.permanent("encryption aws:kms needs a KMS key id");
    }
    BackupInfo existing = metadata(() -> store.find(job.backupId()).orElse(null));
    if (existing != null
        && (existing.status().equals("COMPLETED") || existing.status().equals("DELETED"))) {
      return existing;
    }
    // held for the whole dump: rotated credentials are revoked only once it finished
    try (DatabaseRegistry.Held held = registry.hold(job.database())) {
      return dump(job, held.target(), compression, encryption);
    }
  }

  private BackupInfo dump(
      DumpJob job, DatabaseRegistry.Target target, String compression, String encryption) {
    Path tool = tool();
    String toolVersion = PgTools.toolVersion(tool);
    PgTools.ServerVersion server = serverVersion(target);
    PgTools.requireAtLeast(toolVersion, server);
    String key = StreamingBackup.objectKey(job.database(), job.backupId());
    StreamingBackup engine = new StreamingBackup(s3, settings);
    try {
      engine.abortStaleUploads(key);
    } catch (RuntimeException e) {
      throw AwsFailures.translate("aborting stale uploads of " + key, e);
    }
    long started = clock.millis();
    metadata(
        () -> {
          store.running(
              new BackupInfo(
                  job.backupId(),
                  job.database(),
                  "RUNNING",
                  settings.bucket(),
                  key,
                  0,
                  null,
                  server.version(),
                  toolVersion,
                  "custom+" + compression,
                  started,
                  0,
                  Map.of(),
                  null,
                  job.scheduleId()));
          return null;
        });
    ActivityExecutionContext context = Activity.getExecutionContext();
    Consumer<StreamingBackup.Progress> beat = context::heartbeat;
    StreamingBackup.Result result;
    try {
      result =
          engine.run(
              tool,
              target,
              key,
              compression,
              encryption,
              job.kmsKeyId(),
              PgTools.attemptTimeout(context, BackupRequest.DEFAULT_DUMP_TIMEOUT),
              beat);
    } catch (ActivityCompletionException cancelled) {
      markFailed(job.backupId(), "cancelled");
      throw cancelled;
    } catch (Exception e) {
      RuntimeException failure = AwsFailures.translate("backup " + job.backupId(), e);
      markFailed(job.backupId(), FailureType.rootMessage(failure));
      throw failure;
    }
    metadata(
        () -> {
          store.completed(
              job.backupId(), result.bytes(), result.sha256(), clock.millis(), result.rowCounts());
          return null;
        });
    return metadata(() -> store.find(job.backupId()).orElseThrow());
  }

  private void markFailed(String backupId, String error) {
    try {
      store.failed(backupId, error, clock.millis());
    } catch (RuntimeException ignored) {
      // the row stays RUNNING; a retry or the saga's discard marks it
    }
  }

  @Override
  public String discard(String backupId, String reason) {
    BackupInfo row = metadata(() -> store.find(backupId).orElse(null));
    String database = row != null ? row.database() : BackupIds.database(backupId);
    if (database == null) {
      return "nothing to discard for " + backupId;
    }
    String key = row != null ? row.objectKey() : StreamingBackup.objectKey(database, backupId);
    String bucket = row != null ? row.bucket() : settings.bucket();
    int aborted;
    try {
      StreamingBackup engine =
          new StreamingBackup(
              s3,
              new StreamingBackup.Settings(
                  bucket,
                  settings.partSize(),
                  settings.partsInFlight(),
                  settings.serverSideEncryption()));
      aborted = engine.abortStaleUploads(key);
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    } catch (RuntimeException e) {
      throw AwsFailures.translate("discarding backup " + backupId, e);
    }
    if (row != null) {
      metadata(
          () -> {
            store.failed(backupId, "discarded: " + reason, clock.millis());
            return null;
          });
    }
    return "discarded "
        + backupId
        + (aborted > 0 ? " (" + aborted + " upload" + (aborted == 1 ? "" : "s") + " aborted)" : "");
  }

  @Override
  public List<BackupInfo> list(String database) {
    registry.target(database);
    return metadata(() -> store.list(database));
  }

  @Override
  public RetentionPlan planRetention(String database, RetentionPolicy policy) {
    List<BackupInfo> all = list(database);
    return Retention.plan(database, all, policy, clock.millis());
  }

  @Override
  public RetentionPlan applyRetention(RetentionPlan plan) {
    registry.target(plan.database());
    BackupInfo newestVerified =
        list(plan.database()).stream()
            .filter(b -> b.status().equals("COMPLETED") && b.verifiedAtMillis() != null)
            .findFirst()
            .orElse(null);
    for (RetentionPlan.Entry e : plan.delete()) {
      BackupInfo b = metadata(() -> store.find(e.backup().backupId()).orElse(null));
      if (b == null || !b.database().equals(plan.database()) || b.status().equals("DELETED")) {
        continue;
      }
      if (newestVerified != null && newestVerified.backupId().equals(b.backupId())) {
        throw FailureType.REFUSED.permanent(
            "retention refused: " + b.backupId() + " is the newest verified backup");
      }
      try {
        s3.deleteObject(r -> r.bucket(b.bucket()).key(b.objectKey()));
      } catch (RuntimeException ex) {
        throw AwsFailures.translate("deleting " + b.objectKey(), ex);
      }
      metadata(
          () -> {
            store.deleted(b.backupId());
            return null;
          });
    }
    return plan;
  }

  private static <T> T metadata(Supplier<T> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      throw AwsFailures.translate("backup metadata", e);
    }
  }
}
