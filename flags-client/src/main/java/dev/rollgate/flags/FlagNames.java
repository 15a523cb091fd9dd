package dev.rollgate.flags;

/**
 * Validation of flag names. A valid name has 1 to 128 characters, starts with an ASCII letter or
 * digit, and continues with ASCII letters, digits, {@code .}, {@code _} or {@code -}. Names are
 * therefore safe as Redis hash fields, workflow-id parts and log tokens without quoting.
 */
public final class FlagNames {

  /** Longest accepted name. */
  public static final int MAX_LENGTH = 128;

  private FlagNames() {}

  /**
   * Checks a flag name.
   *
   * @return {@code null} when the name is valid, else a one-line reason fit for an error message
   */
  public static String validate(String name) {
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

  /** True when {@link #validate(String)} accepts the name. */
  public static boolean isValid(String name) {
    return validate(name) == null;
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
