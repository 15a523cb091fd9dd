package dev.rollgate.workflows.backup;

import java.time.Duration;
import java.util.Set;

/**
 * One backup to take (manually or by a schedule).
 *
 * @param database the registered database
 * @param initiator who started it ({@code schedule:backup/orders} for a schedule)
 * @param reason why, for the audit log, or null
 * @param compression {@code zstd} (default when null) or {@code gzip}
 * @param encryption {@code AES256} (default when null) or {@code aws:kms}
 * @param kmsKeyId the KMS key with {@code aws:kms}, else null
 * @param retention applied after a successful backup, or null for none
 * @param scheduleId the schedule that starts it, or null
 * @param dumpTimeout the dump's start-to-close timeout, or null for {@link #DEFAULT_DUMP_TIMEOUT}
 * @param heartbeatTimeout the dump's heartbeat timeout, or null for {@link
 *     #DEFAULT_HEARTBEAT_TIMEOUT}
 */
public record BackupRequest(
    String database,
    String initiator,
    String reason,
    String compression,
    String encryption,
    String kmsKeyId,
    RetentionPolicy retention,
    String scheduleId,
    Duration dumpTimeout,
    Duration heartbeatTimeout) {
  public static final Duration DEFAULT_DUMP_TIMEOUT = Duration.ofHours(6);
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  static final Set<String> COMPRESSIONS = Set.of("zstd", "gzip");
  static final Set<String> ENCRYPTIONS = Set.of("AES256", "aws:kms");

  public static BackupRequest of(String database, String initiator) {
    return new BackupRequest(database, initiator, null, null, null, null, null, null, null, null);
  }

  public BackupRequest withRetention(RetentionPolicy policy) {
    return new BackupRequest(
        database,
        initiator,
        reason,
        compression,
        encryption,
        kmsKeyId,
        policy,
        scheduleId,
        dumpTimeout,
        heartbeatTimeout);
  }

  public BackupRequest withTimeouts(Duration dump, Duration heartbeat) {
    return new BackupRequest(
        database,
        initiator,
        reason,
        compression,
        encryption,
        kmsKeyId,
        retention,
        scheduleId,
        dump,
        heartbeat);
  }

  public String compressionOrDefault() {
    return compression == null ? "zstd" : compression;
  }

  public String encryptionOrDefault() {
    return encryption == null ? "AES256" : encryption;
  }

  /** Null when valid, else why not (one line). */
  public String problem() {
    String p = BackupIds.databaseProblem(database);
    if (p != null) {
      return p;
    }
    if (initiator == null || initiator.isBlank()) {
      return "a backup needs an initiator (--by)";
    }
    if (!COMPRESSIONS.contains(compressionOrDefault())) {
      return "compression '" + compression + "' is not zstd or gzip";
    }
    if (!ENCRYPTIONS.contains(encryptionOrDefault())) {
      return "encryption '" + encryption + "' is not AES256 or aws:kms";
    }
    boolean kms = "aws:kms".equals(encryptionOrDefault());
    if (kms && (kmsKeyId == null || kmsKeyId.isBlank())) {
      return "encryption aws:kms needs a KMS key id (--kms-key)";
    }
    if (!kms && kmsKeyId != null) {
      return "a KMS key id (--kms-key) needs encryption aws:kms";
    }
    return retention == null ? null : retentionProblem(retention);
  }

  /** Null when a retention policy is valid, else why not. */
  public static String retentionProblem(RetentionPolicy r) {
    if (r.keepLast() == null && r.keepDays() == null) {
      return "a retention policy needs --keep-last and/or --keep-days";
    }
    if (r.keepLast() != null && r.keepLast() < 1) {
      return "--keep-last must be at least 1";
    }
    if (r.keepDays() != null && r.keepDays() < 1) {
      return "--keep-days must be at least 1";
    }
    if (r.minimum() < 1) {
      return "--min-keep must be at least 1 (the newest backup is never deleted)";
    }
    return null;
  }
}
