package dev.rollgate.flags;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The ISO-8601 date-times of {@link Operator#DATE_BEFORE} and {@link Operator#DATE_AFTER}. */
final class Dates {

  /** Returned for text that is not a date-time. */
  static final long NONE = Long.MIN_VALUE;

  private Dates() {}

  /**
   * Epoch milliseconds of {@code text}: an instant with {@code Z} or an offset ({@code
   * 2026-01-29T13:00:00Z}, {@code 2026-01-29T15:00:00.000+02:00}) or a date ({@code 2026-01-29},
   * its start in UTC); {@link #NONE} for anything else. Skips the parser for text that cannot be
   * one.
   */
  static long parseMillis(String text) {
    if (text == null
        || text.length() < 10
        || text.length() > 40
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || !Character.isDigit(text.charAt(0))) {
      return NONE;
    }
    try {
      if (text.length() == 10) {
        return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      return NONE;
    }
  }
}
