package dev.rollgate.flags;

/**
 * An IPv4 or IPv6 address parsed from its literal text only (never a host-name lookup), and the
 * CIDR ranges of {@link Operator#IN_CIDR}. An IPv4 address is held in the low 32 bits of {@code
 * lo}; an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is read as that IPv4 address.
 *
 * @param family 4 or 6
 * @param hi the first 64 bits of an IPv6 address; 0 for IPv4
 * @param lo the last 64 bits of an IPv6 address, or the IPv4 address
 */
record IpAddress(int family, long hi, long lo) {

  /** The address {@code text} denotes, or null when it is not an IPv4/IPv6 literal. */
  static IpAddress parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return null;
    }
    if (text.indexOf(':') < 0) {
      long v4 = parseV4(text, 0, text.length());
      return v4 < 0 ? null : new IpAddress(4, 0, v4);
    }
    return parseV6(text);
  }

  /** The IPv4 address in {@code text[from, to)} as an unsigned 32-bit value, or -1. */
  private static long parseV4(String text, int from, int to) {
    long result = 0;
    int parts = 0;
    int i = from;
    while (i <= to) {
      int start = i;
      int value = 0;
      while (i < to && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        value = value * 10 + (text.charAt(i) - '0');
        i++;
        if (i - start > 3) {
          return -1;
        }
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
        return -1; // empty part, out of range, or a leading zero (octal in some parsers)
      }
      result = (result << 8) | value;
      parts++;
      if (i == to) {
        break;
      }
      if (text.charAt(i) != '.' || parts == 4) {
        return -1;
      }
      i++;
    }
    return parts == 4 ? result : -1;
  }

  private static IpAddress parseV6(String text) {
    int[] groups = new int[8];
    int count = 0;
    int gap = -1; // index in groups where "::" stands
    int i = 0;
    int n = text.length();
    if (text.startsWith("::")) {
      gap = 0;
      i = 2;
      if (n == 2) {
        return new IpAddress(6, 0, 0);
      }
    } else if (text.charAt(0) == ':') {
      return null;
    }
    while (i < n) {
      int start = i;
      int value = 0;
      while (i < n && Character.digit(text.charAt(i), 16) >= 0 && i - start < 5) {
        value = (value << 4) | Character.digit(text.charAt(i), 16);
        i++;
      }
      if (i < n && text.charAt(i) == '.') { // embedded IPv4 in the last 32 bits
        long v4 = parseV4(text, start, n);
        if (v4 < 0 || count > 6) {
          return null;
        }
        groups[count++] = (int) (v4 >>> 16);
        groups[count++] = (int) (v4 & 0xffff);
        i = n;
        break;
      }
      int digits = i - start;
      if (digits == 0 || digits > 4 || count == 8) {
        return null;
      }
      groups[count++] = value;
      if (i == n) {
        break;
      }
      if (text.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < n && text.charAt(i) == ':') {
        if (gap >= 0) {
          return null; // a second "::"
        }
        gap = count;
        i++;
        if (i == n) {
          break;
        }
      } else if (i == n) {
        return null; // a trailing single ':'
      }
    }
    if (gap < 0 ? count != 8 : count > 7) {
      return null;
    }
    int[] full = new int[8];
    if (gap < 0) {
      full = groups;
    } else {
      int tail = count - gap;
      System.arraycopy(groups, 0, full, 0, gap);
      System.arraycopy(groups, gap, full, 8 - tail, tail);
    }
    long hi = 0;
    long lo = 0;
    for (int g = 0; g < 4; g++) {
      hi = (hi << 16) | full[g];
      lo = (lo << 16) | full[g + 4];
    }
    if (hi == 0 && (lo >>> 32) == 0xffffL) {
      return new IpAddress(4, 0, lo & 0xffffffffL); // IPv4-mapped
    }
    return new IpAddress(6, hi, lo);
  }

  /**
   * A CIDR range: {@code network/prefix}, or a single address (prefix 32 or 128). Host bits set in
   * the network part are ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}).
   */
  record Range(int family, long hi, long lo, int prefix) {

    /** The range {@code text} denotes, or null; see {@link #problem(String)} for why not. */
    static Range parse(String text) {
      return problem(text) == null ? build(text) : null;
    }

    /** Null when {@code text} is a valid range, else why not (one clause). */
    static String problem(String text) {
      if (text == null || text.isBlank()) {
        return "is empty";
      }
      int slash = text.indexOf('/');
      IpAddress address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        return "is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)";
      }
      if (slash >= 0) {
        int max = address.family() == 4 ? 32 : 128;
        String len = text.substring(slash + 1);
        if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)) {
          return "has a prefix length that is not a number";
        }
        int prefix = Integer.parseInt(len);
        if (prefix > max && !(address.family() == 4 && text.indexOf(':') >= 0 && prefix <= 128)) {
          return "has a prefix length over " + max;
        }
      }
      return null;
    }

    private static Range build(String text) {
      int slash = text.indexOf('/');
      IpAddress a = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
      int max = a.family() == 4 ? 32 : 128;
      int prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1));
      if (a.family() == 4 && text.indexOf(':') >= 0) {
        prefix = Math.max(0, prefix - 96); // ::ffff:10.0.0.0/104 is 10.0.0.0/8
      }
      return new Range(
          a.family(), a.hi() & mask(prefix, 0, max), a.lo() & mask(prefix, 1, max), prefix);
    }

    /** The mask of the first {@code prefix} bits, for the high (half 0) or low (half 1) word. */
    private static long mask(int prefix, int half, int max) {
      if (max == 32) {
        return half == 0 ? 0 : prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
      }
      int bits = Math.max(0, Math.min(64, prefix - 64 * half));
      return bits == 0 ? 0 : bits == 64 ? -1L : -1L << (64 - bits);
    }

    /** True when the address {@code (family, hi, lo)} is inside this range. Allocation-free. */
    boolean contains(int addressFamily, long addressHi, long addressLo) {
      if (addressFamily != family) {
        return false;
      }
      int max = family == 4 ? 32 : 128;
      return (addressHi & mask(prefix, 0, max)) == hi && (addressLo & mask(prefix, 1, max)) == lo;
    }
  }
}
