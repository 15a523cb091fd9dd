package dev.rollgate.flags;

/**
 * Deterministic percentage bucketing.
 *
 * <pre>
 * bucket = unsigned(murmur3_x86_32(utf8(salt + ":" + key), seed 0)) mod 10000
 * on     = bucket &lt; rolloutBasisPoints
 * </pre>
 *
 * <p>{@code salt} is the flag's salt (the flag name unless set), {@code key} is the value of the
 * flag's stickiness attribute (the user id by default). The hash depends only on those bytes, so a
 * user's bucket is the same in every process, JVM and language that implements MurmurHash3 (x86,
 * 32-bit, seed 0; for example Python {@code mmh3.hash(b, 0, signed=False)}). Because a user is in
 * exactly when the fixed bucket is below the threshold, raising the rollout only adds users: a user
 * who is in at 5 % is still in at 25 %. Lone UTF-16 surrogates are encoded as {@code '?'}, as
 * {@link String#getBytes(java.nio.charset.Charset)} does.
 *
 * <p>{@link FlagSnapshot} hashes the salt and the colon once per flag and continues the hash over
 * the key's characters on the fly, encoding UTF-8 without allocating.
 */
public final class Bucketing {

  /** Number of buckets: one per basis point. */
  public static final int BUCKETS = 10_000;

  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Bucketing() {}

  /** The bucket, 0..9999, of {@code key} under {@code salt}. */
  public static int bucket(String salt, CharSequence key) {
    return Prefix.of(salt).bucket(key);
  }

  /** MurmurHash3 x86 32-bit, seed 0, of the UTF-8 encoding of {@code text} (signed result). */
  public static int murmur3(CharSequence text) {
    return Prefix.EMPTY.hash(text);
  }

  /**
   * The hash state after {@code utf8(salt + ":")}; {@link #bucket(CharSequence)} continues it over
   * a key without allocating. Immutable and thread-safe.
   */
  static final class Prefix {
    static final Prefix EMPTY = new Prefix(0, 0, 0, 0);

    private final int h1;
    private final int pending;
    private final int pendingBytes;
    private final int length;

    private Prefix(int h1, int pending, int pendingBytes, int length) {
      this.h1 = h1;
      this.pending = pending;
      this.pendingBytes = pendingBytes;
      this.length = length;
    }

    /** The state after hashing {@code salt} followed by {@code ':'}. */
    static Prefix of(String salt) {
      String text = salt + ":";
      int h = 0;
      int k = 0;
      int n = 0;
      int len = 0;
      int i = 0;
      while (i < text.length()) {
        long e = utf8(text, i);
        int bytes = (int) e;
        int count = (int) (e >>> 32) & 0xff;
        i += (int) (e >>> 40);
        len += count;
        for (int b = 0; b < count; b++) {
          k |= ((bytes >>> (b << 3)) & 0xff) << (n << 3);
          if (++n == 4) {
            h = mixH1(h, mixK1(k));
            k = 0;
            n = 0;
          }
        }
      }
      return new Prefix(h, k, n, len);
    }

    /** Bucket 0..9999 of {@code key}. Allocation-free. */
    int bucket(CharSequence key) {
      return Integer.remainderUnsigned(hash(key), BUCKETS);
    }

    /** Finishes the hash over this prefix followed by the UTF-8 of {@code key}. Allocation-free. */
    int hash(CharSequence key) {
      int h = h1;
      int k = pending;
      int n = pendingBytes;
      int len = length;
      final int size = key.length();
      int i = 0;
      while (i < size) {
        long e = utf8(key, i);
        int bytes = (int) e;
        int count = (int) (e >>> 32) & 0xff;
        i += (int) (e >>> 40);
        len += count;
        for (int b = 0; b < count; b++) {
          k |= ((bytes >>> (b << 3)) & 0xff) << (n << 3);
          if (++n == 4) {
            h = mixH1(h, mixK1(k));
            k = 0;
            n = 0;
          }
        }
      }
      if (n > 0) {
        h ^= mixK1(k);
      }
      h ^= len;
      return fmix32(h);
    }
  }

  /**
   * UTF-8 of the code point starting at {@code s[i]}, packed: bits 0..31 the bytes (first byte
   * lowest), bits 32..39 the byte count (1..4), bits 40.. the chars consumed (1 or 2).
   */
  private static long utf8(CharSequence s, int i) {
    char c = s.charAt(i);
    if (c < 0x80) {
      return (1L << 40) | (1L << 32) | c;
    }
    if (c < 0x800) {
      int bytes = (0xC0 | (c >>> 6)) | ((0x80 | (c & 0x3F)) << 8);
      return (1L << 40) | (2L << 32) | (bytes & 0xFFFFFFFFL);
    }
    if (Character.isSurrogate(c)) {
      if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        char low = s.charAt(i + 1);
        if (Character.isLowSurrogate(low)) {
          int cp = Character.toCodePoint(c, low);
          int bytes =
              (0xF0 | (cp >>> 18))
                  | ((0x80 | ((cp >>> 12) & 0x3F)) << 8)
                  | ((0x80 | ((cp >>> 6) & 0x3F)) << 16)
                  | ((0x80 | (cp & 0x3F)) << 24);
          return (2L << 40) | (4L << 32) | (bytes & 0xFFFFFFFFL);
        }
      }
      return (1L << 40) | (1L << 32) | '?';
    }
    int bytes =
        (0xE0 | (c >>> 12)) | ((0x80 | ((c >>> 6) & 0x3F)) << 8) | ((0x80 | (c & 0x3F)) << 16);
    return (1L << 40) | (3L << 32) | (bytes & 0xFFFFFFFFL);
  }

  private static int mixK1(int k1) {
    k1 *= C1;
    k1 = Integer.rotateLeft(k1, 15);
    return k1 * C2;
  }

  private static int mixH1(int h1, int k1) {
    h1 ^= k1;
    h1 = Integer.rotateLeft(h1, 13);
    return h1 * 5 + 0xe6546b64;
  }

  private static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
