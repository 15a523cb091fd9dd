package dev.rollgate.workflows.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Workflow and schedule ids of the backup kinds. Every run is {@code KIND/DATABASE/SUFFIX}:
 *
 * <ul>
 *   <li>manual backups and drills: {@code backup/orders/20261128T020000Z} (the CLI's start time);
 *   <li>runs started by a Temporal Schedule: the schedule's action has the workflow id {@code
 *       backup/orders/scheduled} and Temporal appends {@code -<nominal time, RFC 3339>}, e.g.
 *       {@code backup/orders/scheduled-2026-11-28T02:00:00Z};
 *   <li>restores: {@code restore/orders/orders_copy} (the target database).
 * </ul>
 *
 * <p>Schedules are {@code backup/orders} and {@code drill/orders}. Database names never contain a
 * slash ({@link #databaseProblem}), so the database is always the second segment.
 */
public final class BackupIds {
  /** What a schedule's action workflow id ends with, before Temporal's timestamp suffix. */
  public static final String SCHEDULED = "scheduled";

  private static final DateTimeFormatter MANUAL =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private BackupIds() {}

  /** {@code backup/orders/20261128T020000Z}: a manual run of {@code kind} started at {@code at}. */
  public static String manual(String kind, String database, Instant at) {
    return kind + "/" + database + "/" + MANUAL.format(at);
  }

  /** {@code backup/orders}: the schedule of {@code kind} for a database. */
  public static String schedule(String kind, String database) {
    return kind + "/" + database;
  }

  /** {@code backup/orders/scheduled}: the workflow id a schedule's action starts (plus suffix). */
  public static String scheduledWorkflowId(String kind, String database) {
    return kind + "/" + database + "/" + SCHEDULED;
  }

  /** {@code restore/orders/orders_copy}. */
  public static String restore(String database, String target) {
    return RestoreWorkflow.KIND + "/" + database + "/" + target;
  }

  /** The database of a backup-family workflow id ({@code KIND/DATABASE/...}), or null. */
  public static String database(String workflowId) {
    if (workflowId == null) {
      return null;
    }
    String[] parts = workflowId.split("/", 3);
    return parts.length < 2 || parts[1].isEmpty() ? null : parts[1];
  }

  /**
   * Null when {@code name} can name a registered database (and a PostgreSQL database), else why not
   * in one line.
   */
  public static String databaseProblem(String name) {
    if (name == null || name.isBlank()) {
      return "a database name is required (--database)";
    }
    if (name.length() > 48) {
      return "database name '" + name + "' is too long: at most 48 characters";
    }
    if (!name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
      return "database name '"
          + name
          + "' may contain only letters, digits, '_' and '-', and starts with a letter or '_'";
    }
    return null;
  }

  /**
   * Null when {@code target} is what follows the kind in a backup-family workflow id ({@code
   * DATABASE/SUFFIX}), else why not.
   */
  public static String targetProblem(String target) {
    String database = database("x/" + target);
    String problem = databaseProblem(database);
    if (problem != null) {
      return problem;
    }
    if (!target.contains("/") || target.endsWith("/")) {
      return "'"
          + target
          + "' is not DATABASE/SUFFIX (e.g. orders/20261128T020000Z, see 'rollgate list')";
    }
    return null;
  }
}
