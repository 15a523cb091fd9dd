package dev.rollgate.starter.backup;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.BackupWorkflow;
import dev.rollgate.workflows.backup.DrillRequest;
import dev.rollgate.workflows.backup.DrillWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rollgate backup schedule create|list|pause|unpause|trigger|delete}: Temporal Schedules of
 * backups ({@code backup/<database>}) and drills ({@code drill/<database>}). The Java test server
 * has no Schedules: every command then says so in one line.
 */
public final class ScheduleCommands {
  static final String NEEDS_REAL_SERVER =
      "schedules need a real Temporal server (the in-memory test server has none): install the"
          + " temporal CLI (bin/bootstrap) and restart the dev stack";

  private ScheduleCommands() {}

  static Object group() {
    return new Group();
  }

  @Command(
      name = "schedule",
      description =
          "Temporal Schedules of backups (backup/<database>) and restore drills"
              + " (drill/<database>).",
      subcommands = {
        Create.class,
        ListSchedules.class,
        Pause.class,
        Unpause.class,
        Trigger.class,
        Delete.class
      })
  static final class Group implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getErr());
      throw CliException.usage("a subcommand is required");
    }
  }

  /** Runs {@code call} with a schedule client; Temporal's errors become one sentence. */
  static <T> T withSchedules(
      ConnectionOptions connection, String id, Function<ScheduleClient, T> call) {
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      ScheduleClient client =
          ScheduleClient.newInstance(
              temporal.service,
              ScheduleClientOptions.newBuilder().setNamespace(connection.namespace).build());
      try {
        return call.apply(client);
      } catch (ScheduleAlreadyRunningException e) {
        throw new CliException("schedule '" + id + "' exists (rollgate backup schedule list)");
      } catch (RuntimeException e) {
        throw explain(e, id);
      }
    }
  }

  static CliException explain(RuntimeException e, String id) {
    if (e instanceof CliException cli) {
      return cli;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException sre) {
        Status.Code code = sre.getStatus().getCode();
        if (code == Status.Code.UNIMPLEMENTED) {
          return new CliException(NEEDS_REAL_SERVER);
        }
        if (code == Status.Code.NOT_FOUND) {
          return new CliException("no schedule '" + id + "' (rollgate backup schedule list)");
        }
        if (code == Status.Code.INVALID_ARGUMENT) {
          return CliException.usage(
              "Temporal refused the schedule: " + sre.getStatus().getDescription());
        }
        return new CliException(
            "Temporal refused: " + code + " " + sre.getStatus().getDescription());
      }
    }
    return new CliException(Console.reason(e));
  }

  /** {@code backup/orders} or {@code drill/orders}, else a usage error. */
  static String checkId(String id) {
    String kind = id == null ? "" : id.split("/", 2)[0];
    String database = BackupIds.database(id);
    if (!(kind.equals(BackupWorkflow.KIND) || kind.equals(DrillWorkflow.KIND))
        || BackupIds.databaseProblem(database) != null
        || !id.equals(BackupIds.schedule(kind, database))) {
      throw CliException.usage(
          "'" + id + "' is not a schedule id (backup/DATABASE or drill/DATABASE)");
    }
    return id;
  }

  @Command(
      name = "create",
      description = {
        "Create a schedule: backups (default) or restore drills of a database, on a cron"
            + " expression (UTC). A run that is still going when the next is due skips it.",
        "  rollgate backup schedule create --database orders --cron '0 2 * * *' --keep-last 14",
        "  rollgate backup schedule create --database orders --cron '0 4 * * 0' --kind drill"
      })
  static final class Create implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Mixin ActorOptions actor;
    @Mixin BackupOptions.Database database;
    @Mixin BackupOptions.Dump dump;
    @Mixin BackupOptions.Retention retention;
    @Spec CommandSpec spec;

    @Option(
        names = "--cron",
        required = true,
        description =
            "five fields, UTC: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'")
    String cron;

    @Option(
        names = "--kind",
        defaultValue = "backup",
        description = "backup or drill (${DEFAULT-VALUE})")
    String kind;

    @Option(names = "--paused", description = "create it paused")
    boolean paused;

    @Override
    public Integer call() {
      String db = database.name();
      if (cron.trim().split("\\s+").length != 5) {
        throw CliException.usage("--cron '" + cron + "' needs five fields (e.g. '0 2 * * *')");
      }
      boolean drill = kind.equals(DrillWorkflow.KIND);
      if (!drill && !kind.equals(BackupWorkflow.KIND)) {
        throw CliException.usage("--kind must be backup or drill");
      }
      String id = BackupIds.schedule(kind, db);
      String initiator = "schedule:" + id;
      Object request;
      if (drill) {
        if (retention.policy() != null) {
          throw CliException.usage("retention options belong to backup schedules");
        }
        request = new DrillRequest(db, initiator, id);
      } else {
        BackupRequest r =
            new BackupRequest(
                db,
                initiator,
                "scheduled by " + actor.by(),
                dump.compression,
                dump.encryption,
                dump.kmsKey,
                retention.policy(),
                id,
                dump.timeout(),
                null);
        if (r.problem() != null) {
          throw CliException.usage(r.problem());
        }
        request = r;
      }
      Schedule schedule =
          Schedule.newBuilder()
              .setAction(
                  ScheduleActionStartWorkflow.newBuilder()
                      .setWorkflowType(drill ? DrillWorkflow.TYPE : BackupWorkflow.TYPE)
                      .setArguments(request)
                      .setOptions(
                          WorkflowOptions.newBuilder()
                              .setWorkflowId(BackupIds.scheduledWorkflowId(kind, db))
                              .setTaskQueue(TaskQueues.ROLLGATE)
                              .build())
                      .build())
              .setSpec(ScheduleSpec.newBuilder().setCronExpressions(List.of(cron.trim())).build())
              .setPolicy(
                  SchedulePolicy.newBuilder()
                      .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
                      .setCatchupWindow(Duration.ofHours(1))
                      .build())
              .setState(
                  ScheduleState.newBuilder()
                      .setPaused(paused)
                      .setNote("cron '" + cron.trim() + "' by " + actor.by())
                      .build())
              .build();
      withSchedules(
          connection,
          id,
          c -> c.createSchedule(id, schedule, ScheduleOptions.newBuilder().build()));
      Console console = Console.of(spec, connection);
      if (console.json()) {
        console.printJson(Map.of("scheduleId", id, "cron", cron.trim(), "paused", paused));
      } else {
        console
            .out()
            .println(
                "created schedule "
                    + id
                    + ": "
                    + kind
                    + " of "
                    + db
                    + " at '"
                    + cron.trim()
                    + "' (UTC)");
      }
      return 0;
    }
  }

  /** One schedule as listed. */
  public record Row(
      String scheduleId, boolean paused, String note, Instant nextRun, long runs, String lastRun) {}

  @Command(
      name = "list",
      description = "List backup and drill schedules: id, state, next run, runs so far.")
  static final class ListSchedules implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Row> rows =
          withSchedules(
              connection,
              "",
              c -> {
                List<Row> out = new ArrayList<>();
                c.listSchedules()
                    .map(d -> d.getScheduleId())
                    .filter(id -> id.startsWith("backup/") || id.startsWith("drill/"))
                    .sorted()
                    .forEach(id -> out.add(row(c.getHandle(id).describe())));
                return out;
              });
      Console console = Console.of(spec, connection);
      if (console.json()) {
        console.printJson(rows);
        return 0;
      }
      if (rows.isEmpty()) {
        console.out().println("no backup or drill schedules");
        return 0;
      }
      List<List<String>> table = new ArrayList<>();
      for (Row r : rows) {
        table.add(
            List.of(
                r.scheduleId(),
                r.paused() ? "PAUSED" : "ACTIVE",
                r.nextRun() == null ? "-" : r.nextRun().toString(),
                String.valueOf(r.runs()),
                r.lastRun() == null ? "-" : r.lastRun(),
                r.note() == null ? "" : r.note()));
      }
      console.table(List.of("SCHEDULE", "STATE", "NEXT RUN", "RUNS", "LAST RUN", "NOTE"), table);
      return 0;
    }

    static Row row(ScheduleDescription d) {
      var info = d.getInfo();
      var recent = info.getRecentActions();
      String last = null;
      if (!recent.isEmpty()
          && recent.getLast().getAction()
              instanceof io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow w) {
        last = w.getWorkflowId();
      }
      return new Row(
          d.getId(),
          d.getSchedule().getState().isPaused(),
          d.getSchedule().getState().getNote(),
          info.getNextActionTimes().isEmpty() ? null : info.getNextActionTimes().getFirst(),
          info.getNumActions(),
          last);
    }
  }

  /** A verb on one schedule. */
  abstract static class OnSchedule implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "SCHEDULE",
        description = "backup/DATABASE or drill/DATABASE")
    String id;

    abstract String apply(io.temporal.client.schedules.ScheduleHandle handle);

    @Override
    public Integer call() {
      checkId(id);
      String done = withSchedules(connection, id, c -> apply(c.getHandle(id)));
      Console console = Console.of(spec, connection);
      if (console.json()) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("scheduleId", id);
        out.put("result", done);
        console.printJson(out);
      } else {
        console.out().println(id + ": " + done);
      }
      return 0;
    }
  }

  @Command(name = "pause", description = "Pause a schedule: no run starts until unpaused.")
  static final class Pause extends OnSchedule {
    @Option(names = "--reason", description = "why (kept as the schedule's note)")
    String reason;

    @Override
    String apply(io.temporal.client.schedules.ScheduleHandle h) {
      h.pause(reason == null ? "paused with rollgate" : reason);
      return "paused";
    }
  }

  @Command(name = "unpause", description = "Unpause a schedule.")
  static final class Unpause extends OnSchedule {
    @Override
    String apply(io.temporal.client.schedules.ScheduleHandle h) {
      h.unpause("unpaused with rollgate");
      return "unpaused";
    }
  }

  @Command(name = "trigger", description = "Start one run now (skipped if one is still running).")
  static final class Trigger extends OnSchedule {
    @Override
    String apply(io.temporal.client.schedules.ScheduleHandle h) {
      h.trigger(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
      return "triggered";
    }
  }

  @Command(name = "delete", description = "Delete a schedule (its past runs and backups stay).")
  static final class Delete extends OnSchedule {
    @Override
    String apply(io.temporal.client.schedules.ScheduleHandle h) {
      h.delete();
      return "deleted";
    }
  }
}
