package dev.rollgate.activities.backup;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which completed backups a policy keeps, by backup time (not object names): the newest {@code
 * keepLast}, everything younger than {@code keepDays}, never fewer than {@code minimum}, and always
 * the newest verified backup. Backups that are not {@code COMPLETED} are left alone.
 */
final class Retention {
  private Retention() {}

  static RetentionPlan plan(
      String database, List<BackupInfo> backups, RetentionPolicy policy, long nowMillis) {
    String problem = policy == null ? "a retention policy is required" : policy(policy);
    if (problem != null) {
      throw FailureType.REFUSED.permanent("retention of " + database + " refused: " + problem);
    }
    List<BackupInfo> completed =
        backups.stream()
            .filter(b -> b.status().equals("COMPLETED"))
            .sorted(
                Comparator.comparingLong(BackupInfo::startedAtMillis)
                    .reversed()
                    .thenComparing(BackupInfo::backupId, Comparator.reverseOrder()))
            .toList();
    BackupInfo newestVerified =
        completed.stream().filter(b -> b.verifiedAtMillis() != null).findFirst().orElse(null);
    long cutoff =
        policy.keepDays() == null
            ? Long.MAX_VALUE
            : nowMillis - Duration.ofDays(policy.keepDays()).toMillis();
    List<RetentionPlan.Entry> keep = new ArrayList<>();
    List<RetentionPlan.Entry> delete = new ArrayList<>();
    for (int i = 0; i < completed.size(); i++) {
      BackupInfo b = completed.get(i);
      String keptBecause = null;
      if (policy.keepLast() != null && i < policy.keepLast()) {
        keptBecause = "newest " + policy.keepLast();
      } else if (policy.keepDays() != null && b.startedAtMillis() >= cutoff) {
        keptBecause = "younger than " + policy.keepDays() + " days";
      } else if (b == newestVerified) {
        keptBecause = "newest verified";
      } else if (i < policy.minimum()) {
        keptBecause = "minimum " + policy.minimum();
      }
      if (keptBecause != null) {
        keep.add(new RetentionPlan.Entry(b, keptBecause));
      } else {
        String why =
            policy.keepDays() != null
                ? "older than "
                    + policy.keepDays()
                    + " days"
                    + (policy.keepLast() != null
                        ? " and not in the newest " + policy.keepLast()
                        : "")
                : "not in the newest " + policy.keepLast();
        delete.add(new RetentionPlan.Entry(b, why));
      }
    }
    return new RetentionPlan(database, List.copyOf(keep), List.copyOf(delete));
  }

  private static String policy(RetentionPolicy p) {
    return BackupRequest.retentionProblem(p);
  }
}
