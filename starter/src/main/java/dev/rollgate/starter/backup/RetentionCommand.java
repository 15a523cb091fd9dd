package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.WorkerApi;
import dev.rollgate.workflows.backup.BackupWords;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "retention",
    description = {
      "Apply a retention policy now: keep the newest N and/or everything younger than D days,"
          + " never fewer than M, never the newest verified backup. Object and metadata are"
          + " deleted together.",
      "  rollgate backup retention --database orders --keep-last 14 --keep-days 30 --dry-run"
    })
class RetentionCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin BackupOptions.Database database;
  @Mixin BackupOptions.Retention retention;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "only show what would be deleted")
  boolean dryRun;

  @Override
  public Integer call() {
    String db = database.name();
    RetentionPolicy policy = retention.policy();
    if (policy == null) {
      throw CliException.usage("retention needs --keep-last and/or --keep-days");
    }
    var body = Console.JSON.createObjectNode();
    body.put("database", db);
    if (policy.keepLast() != null) {
      body.put("keepLast", policy.keepLast());
    }
    if (policy.keepDays() != null) {
      body.put("keepDays", policy.keepDays());
    }
    body.put("minimum", policy.minimum());
    body.put("dryRun", dryRun);
    RetentionPlan plan =
        Console.JSON.convertValue(
            new WorkerApi(connection.workerUrl).post("/api/backups/retention", body),
            RetentionPlan.class);
    Console console = Console.of(spec, connection);
    if (console.json()) {
      console.printJson(plan);
      return 0;
    }
    PrintWriter out = console.out();
    String verb = dryRun ? "would delete" : "deleted";
    for (RetentionPlan.Entry e : plan.delete()) {
      out.printf(
          "%s  %s  %s  (%s)%n",
          verb, e.backup().backupId(), BackupWords.bytes(e.backup().sizeBytes()), e.reason());
    }
    for (RetentionPlan.Entry e : plan.keep()) {
      out.printf("keep          %s  (%s)%n", e.backup().backupId(), e.reason());
    }
    out.printf(
        "%s: %s %d, kept %d%s%n",
        db,
        verb,
        plan.delete().size(),
        plan.keep().size(),
        dryRun ? " (dry run: nothing deleted)" : "");
    return 0;
  }
}
