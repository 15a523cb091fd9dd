package dev.rollgate.workflows.release;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How Rollgate writes percentages, durations and times for people: one place for all kinds. */
public final class Words {
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY_CLOCK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private Words() {}

  /** {@code 12.5}, {@code 5}, {@code 0.01}: at most two decimals, no trailing zeros. */
  public static String percent(double p) {
    return BigDecimal.valueOf(p)
        .setScale(2, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** {@code 1d 2h}, {@code 5h 30m}, {@code 51m}, {@code 45s}: the two largest units. */
  public static String duration(Duration d) {
    long s = Math.max(0, Math.round(d.toMillis() / 1000.0)); // 49m 59.998s reads 50m
    long days = s / 86_400;
    long hours = (s % 86_400) / 3_600;
    long minutes = (s % 3_600) / 60;
    long seconds = s % 60;
    if (days > 0) {
      return days + "d" + (hours > 0 ? " " + hours + "h" : "");
    }
    if (hours > 0) {
      return hours + "h" + (minutes > 0 ? " " + minutes + "m" : "");
    }
    if (minutes > 0) {
      return minutes + "m" + (seconds > 0 ? " " + seconds + "s" : "");
    }
    return seconds + "s";
  }

  /** {@code 02:18 UTC, in 51m}; with the date when it is not within the next 24 hours. */
  public static String when(Instant at, Instant now) {
    Duration until = Duration.between(now, at);
    String clock =
        until.isNegative() || until.compareTo(Duration.ofHours(24)) >= 0
            ? DAY_CLOCK.format(at)
            : CLOCK.format(at);
    return clock + (until.isNegative() ? "" : ", in " + duration(until));
  }

  /** {@code 1 approval}, {@code 2 approvals}. */
  public static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
