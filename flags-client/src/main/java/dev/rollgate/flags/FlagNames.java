package dev.rollgate.flags;

/**
 * The one flag-name rule, used by the library, the worker's API, the activities and the CLI. A
 * valid name has 1 to 128 characters, starts with an ASCII letter or digit, and continues with
 * ASCII letters, digits, {@code .}, {@code _} or {@code -}. Names are therefore safe as Redis hash
 * fields, URL path segments, workflow-id parts and log tokens without quoting; path-like names
 * ({@code a/b}, {@code ..}) are invalid.
 */
public final class FlagNames {

  /** Longest accepted name. */
  public static final int MAX_LENGTH = 128;

  private FlagNames() {}

  /**
   * Checks a flag name.
   *
   * @return {@code null} when the name is valid, else the one-line reason every part of Rollgate
   *     shows for it
   */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "flag name is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "flag name is " + name.length() + " characters long; at most " + MAX_LENGTH;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (i == 0 && !alnum) {
        return "flag name must start with a letter or digit (A-Z, a-z, 0-9)";
      }
      if (!alnum && c != '.' && c != '_' && c != '-') {
        return "flag name may contain only letters, digits, '.', '_' and '-'; found "
            + describe(c)
            + " at position "
            + (i + 1);
      }
    }
    return null;
  }

  /** True when {@link #problem(String)} accepts the name. */
  public static boolean isValid(String name) {
    return problem(name) == null;
  }

  private static String describe(char c) {
    if (c == ' ') {
      return "a space";
    }
    if (c >= 0x21 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format("U+%04X", (int) c);
  }
}
