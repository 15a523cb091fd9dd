package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.Durations;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.RetentionPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options the backup commands share. */
final class BackupOptions {
  private BackupOptions() {}

  /** {@code --database}, checked. */
  static class Database {
    @Option(
        names = "--database",
        required = true,
        paramLabel = "NAME",
        description = "the registered database")
    String database;

    String name() {
      String problem = BackupIds.databaseProblem(database);
      if (problem != null) {
        throw CliException.usage(problem);
      }
      return database;
    }
  }

  /** How a dump is written. */
  static class Dump {
    @Option(
        names = "--compression",
        defaultValue = "zstd",
        description = "zstd or gzip (${DEFAULT-VALUE})")
    String compression;

    @Option(
        names = "--encryption",
        defaultValue = "AES256",
        description = "server-side encryption: AES256 or aws:kms (${DEFAULT-VALUE})")
    String encryption;

    @Option(names = "--kms-key", paramLabel = "ID", description = "the KMS key id with aws:kms")
    String kmsKey;

    @Option(
        names = "--dump-timeout",
        defaultValue = "6h",
        description = "longest a dump may run (${DEFAULT-VALUE})")
    String dumpTimeout;

    Duration timeout() {
      return Durations.parse("--dump-timeout", dumpTimeout);
    }
  }

  /** A retention policy: absent when neither --keep-last nor --keep-days is given. */
  static class Retention {
    @Option(names = "--keep-last", paramLabel = "N", description = "keep the newest N backups")
    Integer keepLast;

    @Option(
        names = "--keep-days",
        paramLabel = "D",
        description = "keep every backup younger than D days")
    Integer keepDays;

    @Option(
        names = "--min-keep",
        paramLabel = "M",
        defaultValue = "1",
        description = "never keep fewer than M (${DEFAULT-VALUE})")
    int minKeep;

    /** The policy, or null when none was asked for. */
    RetentionPolicy policy() {
      if (keepLast == null && keepDays == null) {
        return null;
      }
      RetentionPolicy p = new RetentionPolicy(keepLast, keepDays, minKeep);
      String problem = BackupRequest.retentionProblem(p);
      if (problem != null) {
        throw CliException.usage(problem);
      }
      return p;
    }
  }
}
