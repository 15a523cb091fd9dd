package dev.rollgate.flags;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which variant owns each of the 10000 variant buckets. A user's variant bucket is {@code
 * Bucketing.bucket(variantSalt, stickinessValue)} (the flag's own variant salt, so that who is in
 * the rollout and who gets which variant are independent); the variant owning that bucket is
 * served.
 *
 * <p>Weights change by moving buckets, not by re-cutting ranges: {@link #rebalance} takes the
 * buckets a shrinking (or removed) variant gives up and hands them to the variants that grow, and
 * nothing else moves. So a user keeps their variant whenever their variant's weight does not fall,
 * whatever happens to the others' weights, and the users who do move are exactly as many as the
 * weight moved (Unleash and LaunchDarkly keep a user's bucket stable but cut contiguous ranges in
 * variant order, so a change to one weight shifts the ranges after it).
 */
public final class VariantAllocation {

  private VariantAllocation() {}

  /**
   * The owner (index into {@code variants}) of every bucket: the variants' own {@link
   * Variant#buckets()} when every variant has them and together they cover each bucket once with
   * counts equal to the weights; otherwise contiguous ranges cut from the weights in variant order
   * (a bucket past the weights' sum is owned by nobody, -1).
   */
  public static int[] owners(List<Variant> variants) {
    int[] owner = new int[Bucketing.BUCKETS];
    if (bucketsProblem(variants) == null && !variants.isEmpty()) {
      for (int v = 0; v < variants.size(); v++) {
        List<Integer> b = variants.get(v).buckets();
        for (int i = 0; i < b.size(); i += 2) {
          java.util.Arrays.fill(owner, b.get(i), b.get(i + 1), v);
        }
      }
      return owner;
    }
    java.util.Arrays.fill(owner, -1);
    int at = 0;
    for (int v = 0; v < variants.size() && at < owner.length; v++) {
      int to = Math.min(owner.length, at + variants.get(v).weightBasisPoints());
      java.util.Arrays.fill(owner, at, to, v);
      at = to;
    }
    return owner;
  }

  /**
   * Null when every variant has buckets, they are disjoint, cover 0..9999 and each variant owns as
   * many as its weight; else one line saying what does not fit.
   */
  public static String bucketsProblem(List<Variant> variants) {
    boolean[] seen = new boolean[Bucketing.BUCKETS];
    int covered = 0;
    for (Variant v : variants) {
      if (v.buckets().isEmpty() && v.weightBasisPoints() > 0) {
        return "variant '" + v.name() + "' has no buckets";
      }
      if (v.bucketCount() != v.weightBasisPoints()) {
        return "variant '"
            + v.name()
            + "' owns "
            + v.bucketCount()
            + " buckets but weighs "
            + v.weightBasisPoints()
            + " basis points";
      }
      List<Integer> b = v.buckets();
      for (int i = 0; i < b.size(); i += 2) {
        for (int k = b.get(i); k < b.get(i + 1); k++) {
          if (seen[k]) {
            return "bucket " + k + " is owned by two variants";
          }
          seen[k] = true;
          covered++;
        }
      }
    }
    return covered == Bucketing.BUCKETS
        ? null
        : "the variants' buckets cover " + covered + " of 10000";
  }

  /**
   * {@code next} with buckets assigned, moving as few as possible from {@code previous}'s layout
   * ({@link #owners}): a variant of the same name keeps its buckets up to its new weight, giving up
   * its highest buckets when it shrinks; a removed variant gives up all of its buckets; growing and
   * new variants take the lowest free buckets, in {@code next}'s order. When {@code next}'s weights
   * do not sum to 10000 or a name repeats, {@code next} is returned without buckets (validation
   * refuses it).
   */
  public static List<Variant> rebalance(List<Variant> previous, List<Variant> next) {
    long sum = 0;
    Map<String, Integer> index = new HashMap<>();
    for (int v = 0; v < next.size(); v++) {
      sum += next.get(v).weightBasisPoints();
      if (index.put(next.get(v).name(), v) != null) {
        return withoutBuckets(next);
      }
    }
    if (sum != FlagDefinition.FULL_ROLLOUT_BASIS_POINTS) {
      return withoutBuckets(next);
    }
    int[] before = previous == null ? new int[0] : owners(previous);
    int[] owner = new int[Bucketing.BUCKETS];
    int[] count = new int[next.size()];
    for (int k = 0; k < owner.length; k++) {
      int old = k < before.length ? before[k] : -1;
      Integer now = old < 0 ? null : index.get(previous.get(old).name());
      owner[k] = now == null ? -1 : now;
      if (now != null) {
        count[now]++;
      }
    }
    for (int k = owner.length - 1; k >= 0; k--) { // shrink: give up the highest buckets
      int v = owner[k];
      if (v >= 0 && count[v] > next.get(v).weightBasisPoints()) {
        owner[k] = -1;
        count[v]--;
      }
    }
    int free = 0;
    for (int v = 0; v < next.size(); v++) { // grow: take the lowest free buckets
      while (count[v] < next.get(v).weightBasisPoints()) {
        while (owner[free] >= 0) {
          free++;
        }
        owner[free] = v;
        count[v]++;
      }
    }
    List<List<Integer>> ranges = new ArrayList<>();
    for (int v = 0; v < next.size(); v++) {
      ranges.add(new ArrayList<>());
    }
    for (int k = 0; k < owner.length; ) {
      int v = owner[k];
      int to = k;
      while (to < owner.length && owner[to] == v) {
        to++;
      }
      ranges.get(v).add(k);
      ranges.get(v).add(to);
      k = to;
    }
    List<Variant> out = new ArrayList<>();
    for (int v = 0; v < next.size(); v++) {
      out.add(next.get(v).withBuckets(ranges.get(v)));
    }
    return out;
  }

  private static List<Variant> withoutBuckets(List<Variant> variants) {
    List<Variant> out = new ArrayList<>();
    for (Variant v : variants) {
      out.add(v.withBuckets(List.of()));
    }
    return out;
  }
}
