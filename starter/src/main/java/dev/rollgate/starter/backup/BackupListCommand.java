package dev.rollgate.starter.backup;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.WorkerApi;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.BackupWords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    description =
        "List a database's backups, newest first: id, status, size, start, duration, sha256,"
            + " last verified (from the worker's metadata: GET /api/backups?database=NAME).")
class BackupListCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin BackupOptions.Database database;
  @Spec CommandSpec spec;

  static List<BackupInfo> fetch(ConnectionOptions connection, String database) {
    return fetch(connection, database, false);
  }

  /**
   * @param beforeStart an unknown database is bad input (exit 2): a start checks it first
   */
  static List<BackupInfo> fetch(
      ConnectionOptions connection, String database, boolean beforeStart) {
    WorkerApi api = new WorkerApi(connection.workerUrl);
    String path = "/api/backups?database=" + WorkerApi.segment(database);
    var body = beforeStart ? api.check(path) : api.get(path);
    return Console.JSON.convertValue(body, new TypeReference<List<BackupInfo>>() {});
  }

  @Override
  public Integer call() {
    List<BackupInfo> backups = fetch(connection, database.name());
    Console console = Console.of(spec, connection);
    if (console.json()) {
      console.printJson(backups);
      return 0;
    }
    if (backups.isEmpty()) {
      console.out().println("no backups of " + database.database);
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (BackupInfo b : backups) {
      rows.add(
          List.of(
              b.backupId(),
              b.status(),
              BackupWords.bytes(b.sizeBytes()),
              Instant.ofEpochMilli(b.startedAtMillis()).toString(),
              b.finishedAtMillis() > 0
                  ? Console.duration(Duration.ofMillis(b.finishedAtMillis() - b.startedAtMillis()))
                  : "-",
              BackupWords.sha(b.sha256()),
              b.verifiedAtMillis() == null
                  ? "-"
                  : Instant.ofEpochMilli(b.verifiedAtMillis()).toString()));
    }
    console.table(
        List.of("ID", "STATUS", "SIZE", "STARTED", "DURATION", "SHA256", "VERIFIED"), rows);
    return 0;
  }
}
