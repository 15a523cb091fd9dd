package dev.rollgate.flags;

import java.util.ArrayList;
import java.util.List;

/**
 * A version as <a href="https://semver.org/spec/v2.0.0.html">Semantic Versioning 2.0.0</a> defines
 * it: {@code MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]}, strictly.
 *
 * <p>Valid: numeric identifiers (major, minor, patch and all-digit pre-release identifiers) have no
 * leading zeros; identifiers are non-empty and made of {@code [0-9A-Za-z-]}. Major, minor and patch
 * are limited to 18 digits (they are held as {@code long}); pre-release numbers may be any length.
 *
 * <p>Precedence (spec §11): major, minor, patch numerically; a pre-release version sorts before its
 * release; pre-release identifiers compare left to right, numeric ones numerically, alphanumeric
 * ones in ASCII order, numeric before alphanumeric, and a longer list wins when all shared ones are
 * equal. Build metadata is ignored, so {@code 1.0.0+a} and {@code 1.0.0+b} are equal.
 *
 * <p>Parsing happens once (flag definition, context construction); {@link #compareTo} allocates
 * nothing. Written here rather than taken from a library because flags-client keeps its
 * dependencies few and its evaluation allocation-free, which the common Java semver libraries'
 * comparators (regex or per-call splitting) are not.
 */
final class SemanticVersion implements Comparable<SemanticVersion> {

  private static final int MAX_NUMBER_DIGITS = 18;
  private static final String[] NONE = new String[0];
  private static final String[] PARTS = {"major", "minor", "patch"};

  private final long major;
  private final long minor;
  private final long patch;

  /** Pre-release identifiers; empty for a release. */
  private final String[] pre;

  /** Per identifier: true when it is all digits (compared numerically). */
  private final boolean[] numeric;

  private SemanticVersion(long major, long minor, long patch, String[] pre, boolean[] numeric) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.pre = pre;
    this.numeric = numeric;
  }

  /** The parsed version, or {@code null} when {@code text} is not a valid semantic version. */
  static SemanticVersion parse(String text) {
    return problem(text) == null ? build(text) : null;
  }

  /**
   * Why {@code text} is not a valid semantic version, in a few words fit to follow "is not a
   * semantic version: ", or {@code null} when it is valid.
   */
  static String problem(String text) {
    if (text == null || text.isEmpty()) {
      return "it is empty";
    }
    int len = text.length();
    int i = 0;
    for (int p = 0; p < 3; p++) {
      int start = i;
      while (i < len && isDigit(text.charAt(i))) {
        i++;
      }
      if (i == start) {
        return p == 0
            ? "it must start with MAJOR.MINOR.PATCH, e.g. 1.4.0"
            : "it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0";
      }
      if (i - start > 1 && text.charAt(start) == '0') {
        return "the " + PARTS[p] + " version has a leading zero";
      }
      if (i - start > MAX_NUMBER_DIGITS) {
        return "the " + PARTS[p] + " version has more than " + MAX_NUMBER_DIGITS + " digits";
      }
      if (p < 2) {
        if (i >= len || text.charAt(i) != '.') {
          return "it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0";
        }
        i++;
      }
    }
    if (i < len && text.charAt(i) == '-') {
      i++;
      int end = indexOf(text, '+', i);
      String problem = identifiersProblem(text, i, end, true, "pre-release");
      if (problem != null) {
        return problem;
      }
      i = end;
    }
    if (i < len && text.charAt(i) == '+') {
      String problem = identifiersProblem(text, i + 1, len, false, "build metadata");
      if (problem != null) {
        return problem;
      }
      i = len;
    }
    if (i != len) {
      return "unexpected '" + text.charAt(i) + "' after MAJOR.MINOR.PATCH";
    }
    return null;
  }

  /** Checks the dot-separated identifiers in {@code text[from, to)}. */
  private static String identifiersProblem(
      String text, int from, int to, boolean noLeadingZeros, String what) {
    int start = from;
    while (true) {
      int end = indexOf(text, '.', start);
      if (end > to) {
        end = to;
      }
      if (end == start) {
        return "the " + what + " has an empty identifier";
      }
      boolean allDigits = true;
      for (int k = start; k < end; k++) {
        char c = text.charAt(k);
        if (!isIdentifierChar(c)) {
          return "the " + what + " may contain only [0-9A-Za-z-] and dots";
        }
        allDigits &= isDigit(c);
      }
      if (noLeadingZeros && allDigits && end - start > 1 && text.charAt(start) == '0') {
        return "the numeric "
            + what
            + " identifier '"
            + text.substring(start, end)
            + "' has a leading zero";
      }
      if (end == to) {
        return null;
      }
      start = end + 1;
    }
  }

  private static SemanticVersion build(String text) {
    int dot1 = text.indexOf('.');
    int dot2 = text.indexOf('.', dot1 + 1);
    int end = dot2 + 1;
    while (end < text.length() && isDigit(text.charAt(end))) {
      end++;
    }
    long major = Long.parseLong(text, 0, dot1, 10);
    long minor = Long.parseLong(text, dot1 + 1, dot2, 10);
    long patch = Long.parseLong(text, dot2 + 1, end, 10);
    if (end == text.length() || text.charAt(end) != '-') {
      return new SemanticVersion(major, minor, patch, NONE, new boolean[0]);
    }
    int preEnd = indexOf(text, '+', end + 1);
    List<String> ids = new ArrayList<>();
    for (int start = end + 1; start <= preEnd; ) {
      int idEnd = Math.min(indexOf(text, '.', start), preEnd);
      ids.add(text.substring(start, idEnd));
      start = idEnd + 1;
    }
    String[] pre = ids.toArray(NONE);
    boolean[] numeric = new boolean[pre.length];
    for (int k = 0; k < pre.length; k++) {
      numeric[k] = pre[k].chars().allMatch(SemanticVersion::isDigit);
    }
    return new SemanticVersion(major, minor, patch, pre, numeric);
  }

  private static int indexOf(String text, char c, int from) {
    int at = text.indexOf(c, from);
    return at < 0 ? text.length() : at;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isIdentifierChar(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  }

  @Override
  public int compareTo(SemanticVersion o) {
    int c = Long.compare(major, o.major);
    if (c != 0) {
      return c;
    }
    c = Long.compare(minor, o.minor);
    if (c != 0) {
      return c;
    }
    c = Long.compare(patch, o.patch);
    if (c != 0) {
      return c;
    }
    if (pre.length == 0 || o.pre.length == 0) {
      // a release outranks its pre-releases
      return Integer.compare(o.pre.length == 0 ? 0 : 1, pre.length == 0 ? 0 : 1);
    }
    int shared = Math.min(pre.length, o.pre.length);
    for (int k = 0; k < shared; k++) {
      c = compareIdentifiers(pre[k], numeric[k], o.pre[k], o.numeric[k]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(pre.length, o.pre.length);
  }

  private static int compareIdentifiers(String a, boolean aNumeric, String b, boolean bNumeric) {
    if (aNumeric && bNumeric) {
      // no leading zeros: a longer number is a larger one, equal lengths compare digit by digit
      int c = Integer.compare(a.length(), b.length());
      return c != 0 ? c : a.compareTo(b);
    }
    if (aNumeric != bNumeric) {
      return aNumeric ? -1 : 1;
    }
    return a.compareTo(b);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof SemanticVersion other && compareTo(other) == 0;
  }

  @Override
  public int hashCode() {
    int h = Long.hashCode(major);
    h = 31 * h + Long.hashCode(minor);
    h = 31 * h + Long.hashCode(patch);
    for (String id : pre) {
      h = 31 * h + id.hashCode();
    }
    return h;
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (pre.length == 0 ? "" : "-" + String.join(".", pre));
  }
}
