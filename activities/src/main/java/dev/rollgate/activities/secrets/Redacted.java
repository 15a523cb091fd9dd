package dev.rollgate.activities.secrets;

import java.util.regex.Pattern;

/**
 * How records that carry credentials print themselves: a secret is {@code ***} (null stays null, so
 * a missing one can still be told from a set one), and a URL keeps everything but the password in
 * its user info or a {@code password=} parameter.
 */
public final class Redacted {
  public static final String MASK = "***";

  private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^/@:?#]*):[^/@?#]*@");
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)([?&;](?:password|pwd|secret|token)=)[^&;#]*");

  private Redacted() {}

  /** {@code ***}, or null for a secret that is not set. */
  public static String secret(String secret) {
    return secret == null ? null : MASK;
  }

  /** The URL with the password of its user info and of any password parameter masked. */
  public static String url(Object url) {
    if (url == null) {
      return null;
    }
    String masked = USERINFO_PASSWORD.matcher(url.toString()).replaceAll("$1:" + MASK + "@");
    return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1" + MASK);
  }
}
