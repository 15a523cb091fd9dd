package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.BackupWords;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "show",
    description = "Show one backup's metadata: object, checksum, versions, row counts per table.")
class BackupShowCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ID",
      description = "the backup id, e.g. backup/orders/20261128T020000Z")
  String id;

  @Override
  public Integer call() {
    String database = BackupIds.database(id);
    if (!id.startsWith("backup/") || BackupIds.databaseProblem(database) != null) {
      throw CliException.usage(
          "'" + id + "' is not a backup id (backup/DATABASE/SUFFIX, see rollgate backup list)");
    }
    BackupInfo b =
        BackupListCommand.fetch(connection, database).stream()
            .filter(x -> x.backupId().equals(id))
            .findFirst()
            .orElseThrow(() -> new CliException("no backup '" + id + "' of " + database));
    Console console = Console.of(spec, connection);
    if (console.json()) {
      console.printJson(b);
      return 0;
    }
    PrintWriter out = console.out();
    out.printf("Backup     %s%n", b.backupId());
    out.printf("Status     %s%n", b.status());
    out.printf(
        "Database   %s (server %s, pg_dump %s)%n",
        b.database(), b.serverVersion(), b.pgDumpVersion());
    out.printf("Object     s3://%s/%s (%s)%n", b.bucket(), b.objectKey(), b.format());
    out.printf("Size       %s (%d bytes)%n", BackupWords.bytes(b.sizeBytes()), b.sizeBytes());
    out.printf("SHA-256    %s%n", b.sha256());
    out.printf("Started    %s%n", Instant.ofEpochMilli(b.startedAtMillis()));
    if (b.finishedAtMillis() > 0) {
      out.printf(
          "Duration   %s%n",
          Console.duration(Duration.ofMillis(b.finishedAtMillis() - b.startedAtMillis())));
    }
    out.printf(
        "Verified   %s%n",
        b.verifiedAtMillis() == null ? "never" : Instant.ofEpochMilli(b.verifiedAtMillis()));
    if (b.scheduleId() != null) {
      out.printf("Schedule   %s%n", b.scheduleId());
    }
    Map<String, Long> rows = b.rowCounts() == null ? Map.of() : new TreeMap<>(b.rowCounts());
    if (!rows.isEmpty()) {
      out.println("Rows");
      rows.forEach((table, n) -> out.printf("  %-40s %d%n", table, n));
    }
    return 0;
  }
}
