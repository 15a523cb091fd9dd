package dev.rollgate.workflows.backup;

/**
 * One restore drill of a database's newest completed backup.
 *
 * @param initiator who started it ({@code schedule:drill/orders} for a schedule)
 * @param scheduleId the schedule that starts it, or null
 */
public record DrillRequest(String database, String initiator, String scheduleId) {
  /** Null when valid, else why not (one line). */
  public String problem() {
    String p = BackupIds.databaseProblem(database);
    if (p == null && (initiator == null || initiator.isBlank())) {
      p = "a drill needs an initiator (--by)";
    }
    return p;
  }
}
