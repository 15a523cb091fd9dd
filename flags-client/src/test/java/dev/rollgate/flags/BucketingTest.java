package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BucketingTest {

  /*
   * Expected values computed independently with Python's mmh3 5.x (pip install mmh3):
   *   h = mmh3.hash((salt + ":" + key).encode("utf-8"), 0, signed=False); bucket = h % 10000
   * They pin the bucketing formula: changing it would move users between buckets.
   */
  @ParameterizedTest(name = "{0}:{1} -> {2} / {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "new_checkout | user-1           | 179465681  | 5681",
        "new_checkout | user-2           | 3641789424 | 9424",
        "checkout     | alice            | 3211913009 | 3009",
        "a            | ''               | 4050473235 | 3235",
        "dark-mode    | 42               | 3831878303 | 8303",
        "x            | é☃               | 3485391373 | 1373",
        "a            | \uD834\uDD1Ebc   | 3858703234 | 3234",
        "flag.v2      | Bjørn Ødegård    | 3512290108 | 108",
        "s            | userid-123456789 | 2597305104 | 5104",
      })
  void matchesMurmur3ReferenceVectors(String salt, String key, long unsignedHash, int bucket) {
    assertThat(Integer.toUnsignedLong(Bucketing.murmur3(salt + ":" + key))).isEqualTo(unsignedHash);
    assertThat(Bucketing.bucket(salt, key)).isEqualTo(bucket);
    assertThat(Bucketing.Prefix.of(salt).bucket(key)).isEqualTo(bucket);
  }

  /* mmh3.hash(s.encode(), 0) for the classic test strings, covering every tail length. */
  @Test
  void matchesMurmur3ReferenceVectorsForEveryTailLength() {
    Map<String, Integer> vectors =
        Map.of(
            "", 0,
            "a", 1009084850,
            "ab", -1681926305,
            "abc", -1277324294,
            "abcd", 1139631978,
            "hello", 613153351,
            "The quick brown fox jumps over the lazy dog", 776992547);
    vectors.forEach((text, hash) -> assertThat(Bucketing.murmur3(text)).as(text).isEqualTo(hash));
  }

  @Test
  void onTheFlyUtf8EncodingEqualsHashingStringGetBytes() {
    SplittableRandom random = new SplittableRandom(7);
    char[] alphabet = {'a', 'Z', '0', ':', 'é', 'ß', '€', '☃', '\uD83D', '\uDE00', '\uDBFF', 'x'};
    for (int i = 0; i < 5_000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(20);
      for (int j = 0; j < len; j++) {
        sb.append(alphabet[random.nextInt(alphabet.length)]); // includes lone surrogates
      }
      String salt = "salt" + random.nextInt(3);
      String key = sb.toString();
      byte[] bytes = (salt + ":" + key).getBytes(StandardCharsets.UTF_8);
      assertThat(Bucketing.Prefix.of(salt).hash(key)).as(key).isEqualTo(referenceMurmur3(bytes));
    }
  }

  @Test
  void usersInAtALowerRolloutStayInAtEveryHigherRollout() {
    List<Integer> levels = List.of(0, 1, 50, 500, 2_500, 5_000, 9_999, 10_000);
    for (int u = 0; u < 20_000; u++) {
      EvaluationContext ctx = EvaluationContext.of("user-" + u);
      boolean wasIn = false;
      for (int bp : levels) {
        FlagSnapshot snapshot =
            FlagSnapshot.of(List.of(FlagDefinition.newFlag("ramp").withRolloutBasisPoints(bp)));
        boolean in = snapshot.isEnabled("ramp", ctx);
        if (wasIn) {
          assertThat(in).as("user-%d dropped out when raising to %d bp", u, bp).isTrue();
        }
        wasIn = in;
      }
      assertThat(wasIn).as("everyone is in at 100 %").isTrue();
    }
  }

  @Test
  void bucketDependsOnlyOnSaltAndKeySoItIsStableAcrossSnapshots() {
    FlagDefinition flag = FlagDefinition.newFlag("stable").withRolloutBasisPoints(3_000);
    FlagSnapshot first = FlagSnapshot.of(List.of(flag));
    FlagSnapshot rebuilt = FlagSnapshot.of(List.of(flag.withVersion(9).withUpdated("x", 1)));
    for (int u = 0; u < 2_000; u++) {
      EvaluationContext ctx = EvaluationContext.of("u" + u);
      assertThat(rebuilt.isEnabled("stable", ctx)).isEqualTo(first.isEnabled("stable", ctx));
    }
  }

  @Test
  void a25PercentRolloutEnablesWithinOnePointOf25PercentOf100kUsers() {
    FlagSnapshot snapshot =
        FlagSnapshot.of(List.of(FlagDefinition.newFlag("quarter").withRolloutBasisPoints(2_500)));
    int on = 0;
    for (int u = 0; u < 100_000; u++) {
      if (snapshot.isEnabled("quarter", EvaluationContext.of("user-" + u))) {
        on++;
      }
    }
    assertThat(on).isBetween(24_000, 26_000);
  }

  @Test
  void differentSaltsShuffleUsersIndependently() {
    int both = 0;
    for (int u = 0; u < 20_000; u++) {
      String id = "user-" + u;
      if (Bucketing.bucket("flag-a", id) < 5_000 && Bucketing.bucket("flag-b", id) < 5_000) {
        both++;
      }
    }
    // Independent 50 % rollouts overlap on about 25 % of users, not 50 %.
    assertThat(both).isBetween(4_600, 5_400);
  }

  /** Plain byte-array MurmurHash3 x86_32, seed 0, straight from the reference algorithm. */
  private static int referenceMurmur3(byte[] data) {
    int h1 = 0;
    int c1 = 0xcc9e2d51;
    int c2 = 0x1b873593;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k1 =
          (data[4 * i] & 0xff)
              | (data[4 * i + 1] & 0xff) << 8
              | (data[4 * i + 2] & 0xff) << 16
              | (data[4 * i + 3] & 0xff) << 24;
      k1 *= c1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= c2;
      h1 ^= k1;
      h1 = Integer.rotateLeft(h1, 13);
      h1 = h1 * 5 + 0xe6546b64;
    }
    int k1 = 0;
    int tail = blocks * 4;
    int rem = data.length & 3;
    if (rem == 3) {
      k1 ^= (data[tail + 2] & 0xff) << 16;
    }
    if (rem >= 2) {
      k1 ^= (data[tail + 1] & 0xff) << 8;
    }
    if (rem >= 1) {
      k1 ^= data[tail] & 0xff;
      k1 *= c1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= c2;
      h1 ^= k1;
    }
    h1 ^= data.length;
    h1 ^= h1 >>> 16;
    h1 *= 0x85ebca6b;
    h1 ^= h1 >>> 13;
    h1 *= 0xc2b2ae35;
    h1 ^= h1 >>> 16;
    return h1;
  }
}
