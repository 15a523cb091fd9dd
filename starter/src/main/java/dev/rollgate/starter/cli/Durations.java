package dev.rollgate.starter.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d} (and ISO-8601 {@code PT1H}). */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  public static Duration parse(String option, String text) {
    if (text == null || text.isBlank()) {
      throw CliException.usage(option + " needs a duration such as 30m, 24h or 7d");
    }
    Matcher m = SIMPLE.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw CliException.usage(
          option + " '" + text + "' is not a duration (use e.g. 90s, 30m, 24h, 7d)");
    }
  }
}
