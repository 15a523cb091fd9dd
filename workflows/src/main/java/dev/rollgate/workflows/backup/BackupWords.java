package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.Words;
import java.time.Duration;
import java.util.Locale;

/** Sizes, checksums and summaries of backups in words, the same in workflows and the CLI. */
public final class BackupWords {
  private BackupWords() {}

  /** {@code 1.2 GB}, {@code 512 B} (powers of 1024, one decimal from KB up). */
  public static String bytes(long n) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    double v = n;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** The first 8 hex digits of a SHA-256 and an ellipsis, or {@code -}. */
  public static String sha(String sha256) {
    return sha256 == null || sha256.isEmpty()
        ? "-"
        : sha256.substring(0, Math.min(8, sha256.length())) + "…";
  }

  /** {@code orders: 1.2 GB in 48s, sha256 ab12cd34…}. */
  public static String summary(BackupInfo b) {
    long ms = Math.max(0, b.finishedAtMillis() - b.startedAtMillis());
    return b.database()
        + ": "
        + bytes(b.sizeBytes())
        + " in "
        + Words.duration(Duration.ofMillis(ms))
        + ", sha256 "
        + sha(b.sha256());
  }
}
