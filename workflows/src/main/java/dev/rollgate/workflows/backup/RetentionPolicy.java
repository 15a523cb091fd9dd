package dev.rollgate.workflows.backup;

/**
 * Which completed backups to keep: the newest {@code keepLast} and/or everything younger than
 * {@code keepDays}; never fewer than {@code minimum}; never the newest verified backup. Ordered by
 * backup time, not object names.
 *
 * @param keepLast keep this many newest backups, or null
 * @param keepDays keep every backup younger than this many days, or null
 * @param minimum never keep fewer than this many (default 1)
 */
public record RetentionPolicy(Integer keepLast, Integer keepDays, int minimum) {}
