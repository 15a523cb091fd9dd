package dev.rollgate.workflows.backup;

import java.util.List;

/**
 * What retention keeps and deletes, with a reason per backup (e.g. {@code newest verified}, {@code
 * older than 7 days}).
 */
public record RetentionPlan(String database, List<Entry> keep, List<Entry> delete) {
  public record Entry(BackupInfo backup, String reason) {}
}
