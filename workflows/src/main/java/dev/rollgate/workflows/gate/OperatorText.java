package dev.rollgate.workflows.gate;

/**
 * How much free text an operator may attach to an action: who acts ({@code by}, at most {@value
 * #MAX_BY} characters) and why ({@code reason} or {@code comment}, at most {@value #MAX_TEXT}). One
 * rule for the CLI, the worker's API and the workflows' own checks, so that no input can grow a
 * workflow's history, status or audit log without bound.
 */
public final class OperatorText {
  /** Longest {@code by}: a person's or a system's name. */
  public static final int MAX_BY = 100;

  /** Longest {@code reason} or {@code comment}. */
  public static final int MAX_TEXT = 1000;

  /** How much of a refused text the refusal (and so the audit log) quotes. */
  static final int EXCERPT = 40;

  private OperatorText() {}

  /** The problem with {@code by}, or null when it fits (a missing one is the caller's concern). */
  public static String byProblem(String field, String by) {
    return problem(field, by, MAX_BY);
  }

  /** The problem with a reason or comment, or null when it fits or is absent. */
  public static String textProblem(String field, String text) {
    return problem(field, text, MAX_TEXT);
  }

  /**
   * {@code --reason is 1048576 characters long, at most 1000 are accepted ("abcd…")}: the field as
   * the caller names it, and a short excerpt of what was refused.
   */
  private static String problem(String field, String value, int max) {
    if (value == null || value.length() <= max) {
      return null;
    }
    return field
        + " is "
        + value.length()
        + " characters long, at most "
        + max
        + " are accepted (\""
        + excerpt(value)
        + "\")";
  }

  /** The start of {@code value}, on one line, with "…" when it was cut. */
  public static String excerpt(String value) {
    if (value == null) {
      return null;
    }
    // only the start is looked at: the text may be a megabyte
    String head = value.length() > 4 * EXCERPT ? value.substring(0, 4 * EXCERPT) : value;
    String oneLine = head.strip().replaceAll("\\s+", " ");
    if (oneLine.length() <= EXCERPT) {
      return head.length() < value.length() ? oneLine + "…" : oneLine;
    }
    int end = EXCERPT;
    if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
      end--;
    }
    return oneLine.substring(0, end) + "…";
  }
}
