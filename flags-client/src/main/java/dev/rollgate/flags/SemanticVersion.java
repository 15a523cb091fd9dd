package dev.rollgate.flags;

/**
 * A parsed {@code MAJOR.MINOR.PATCH[-prerelease][+build]} version. Build metadata is ignored; a
 * version with a prerelease sorts before the same version without one, and prereleases compare
 * lexically. Comparison allocates nothing.
 */
final class SemanticVersion implements Comparable<SemanticVersion> {

  private static final int MAX_NUMBER_DIGITS = 18;

  private final long major;
  private final long minor;
  private final long patch;
  private final String prerelease;

  private SemanticVersion(long major, long minor, long patch, String prerelease) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.prerelease = prerelease;
  }

  /** The parsed version, or {@code null} when {@code text} is not a valid version. */
  static SemanticVersion parse(String text) {
    if (text == null) {
      return null;
    }
    int len = text.length();
    long[] parts = new long[3];
    int i = 0;
    for (int p = 0; p < 3; p++) {
      int start = i;
      long value = 0;
      while (i < len && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        value = value * 10 + (text.charAt(i) - '0');
        i++;
      }
      if (i == start || i - start > MAX_NUMBER_DIGITS) {
        return null;
      }
      parts[p] = value;
      if (p < 2) {
        if (i >= len || text.charAt(i) != '.') {
          return null;
        }
        i++;
      }
    }
    String pre = null;
    if (i < len && text.charAt(i) == '-') {
      int start = ++i;
      while (i < len && text.charAt(i) != '+') {
        if (!isIdentifierChar(text.charAt(i))) {
          return null;
        }
        i++;
      }
      if (i == start) {
        return null;
      }
      pre = text.substring(start, i);
    }
    if (i < len && text.charAt(i) == '+') {
      int start = ++i;
      while (i < len && isIdentifierChar(text.charAt(i))) {
        i++;
      }
      if (i == start) {
        return null;
      }
    }
    if (i != len) {
      return null;
    }
    return new SemanticVersion(parts[0], parts[1], parts[2], pre);
  }

  private static boolean isIdentifierChar(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '-'
        || c == '.';
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
    if (prerelease == null) {
      return o.prerelease == null ? 0 : 1;
    }
    if (o.prerelease == null) {
      return -1;
    }
    return prerelease.compareTo(o.prerelease);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof SemanticVersion other && compareTo(other) == 0;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(major * 31 * 31 + minor * 31 + patch)
        ^ (prerelease == null ? 0 : prerelease.hashCode());
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (prerelease == null ? "" : "-" + prerelease);
  }
}
