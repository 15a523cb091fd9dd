package dev.rollgate.flags;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One variation of a multivariate flag: a name, a value of the flag's {@link VariationType}, the
 * share of the users the weighted allocation gives it, and which of the 10000 variant buckets are
 * its share.
 *
 * @param name the variant's name, unique within the flag (the flag-name rule, {@link FlagNames})
 * @param value its value: a JSON string, number or any JSON, per the flag's {@link VariationType}
 * @param weightBasisPoints share of the users allocated by weight, 0..10000 (1 bp = 0.01 %); a
 *     flag's weights sum to 10000
 * @param buckets the variant buckets (0..9999) this variant owns, as ascending {@code [from, to)}
 *     pairs, e.g. {@code [0, 2500, 7000, 7500]}; written by {@link
 *     FlagDefinition#withVariants(VariationType, List, String, String, String)}, which moves as few
 *     buckets as it can when weights change (see {@link VariantAllocation}). Empty: laid out from
 *     the weights in order. Omitted from the JSON when empty
 */
@JsonPropertyOrder({"name", "value", "weightBasisPoints", "buckets"})
public record Variant(
    String name,
    JsonNode value,
    int weightBasisPoints,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> buckets) {

  /**
   * Checks the name, the weight's range and the bucket pairs' shape.
   *
   * @throws IllegalArgumentException on a bad name, a weight outside 0..10000 or bucket pairs that
   *     are not ascending {@code [from, to)} pairs within 0..10000
   */
  public Variant {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem.replaceFirst("^flag name", "variant name"));
    }
    if (weightBasisPoints < 0 || weightBasisPoints > FlagDefinition.FULL_ROLLOUT_BASIS_POINTS) {
      throw new IllegalArgumentException(
          "variant "
              + name
              + ": weightBasisPoints must be within 0..10000, was "
              + weightBasisPoints);
    }
    buckets = buckets == null ? List.of() : List.copyOf(buckets);
    if (buckets.size() % 2 != 0) {
      throw new IllegalArgumentException(
          "variant "
              + name
              + ": buckets must be [from, to) pairs, got "
              + buckets.size()
              + " numbers");
    }
    int last = 0;
    for (int i = 0; i < buckets.size(); i += 2) {
      int from = buckets.get(i);
      int to = buckets.get(i + 1);
      if (from < last || to <= from || to > Bucketing.BUCKETS) {
        throw new IllegalArgumentException(
            "variant " + name + ": buckets must be ascending [from, to) pairs within 0..10000");
      }
      last = to;
    }
  }

  /** A variant whose buckets are laid out from the weights. */
  public Variant(String name, JsonNode value, int weightBasisPoints) {
    this(name, value, weightBasisPoints, List.of());
  }

  /** The value as text: a string's own text, any other JSON as JSON. */
  @JsonIgnore
  public String text() {
    return value == null ? null : value.isTextual() ? value.textValue() : value.toString();
  }

  /** Weight as a percentage, 0.0..100.0. */
  @JsonIgnore
  public double weightPercent() {
    return weightBasisPoints / 100.0;
  }

  /** Number of buckets {@link #buckets()} covers. */
  @JsonIgnore
  public int bucketCount() {
    int n = 0;
    for (int i = 0; i < buckets.size(); i += 2) {
      n += buckets.get(i + 1) - buckets.get(i);
    }
    return n;
  }

  /** Copy with another weight; its buckets are dropped (they no longer match). */
  public Variant withWeightBasisPoints(int newWeight) {
    return new Variant(name, value, newWeight, List.of());
  }

  /** Copy owning {@code newBuckets} ({@code [from, to)} pairs). */
  Variant withBuckets(List<Integer> newBuckets) {
    return new Variant(name, value, weightBasisPoints, newBuckets);
  }
}
