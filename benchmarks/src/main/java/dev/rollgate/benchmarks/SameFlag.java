package dev.rollgate.benchmarks;

import dev.rollgate.flags.Condition;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.Operator;
import dev.rollgate.flags.Rule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one flag every SDK in {@link EvaluationBenchmark} evaluates, and the users it is evaluated
 * for.
 *
 * <p>Flag {@value #NAME}: on for 25 % of the users who match {@code country IN [DE, FR, NL] AND
 * plan = pro}, off for everyone else. The same flag exists three times:
 *
 * <ul>
 *   <li>Rollgate: {@link #rollgate()} (2,500 basis points, one rule with two conditions);
 *   <li>Unleash: {@value #UNLEASH_RESOURCE}, a {@code flexibleRollout} strategy at 25 % on {@code
 *       userId} stickiness with the constraints {@code country IN [DE, FR, NL]} and {@code plan IN
 *       [pro]};
 *   <li>LaunchDarkly: {@value #LAUNCHDARKLY_RESOURCE}, a boolean flag whose only rule has the
 *       clauses {@code country in [DE, FR, NL]} and {@code plan in [pro]} and serves a 25/75
 *       percentage rollout over (true, false); fallthrough and off serve false.
 * </ul>
 *
 * <p>Each SDK hashes users with its own algorithm (Rollgate murmur3 of {@code salt:userId}, Unleash
 * murmur3 of {@code groupId:userId}, LaunchDarkly SHA-1 of {@code key.salt.userId}), so the same
 * user may be in for one SDK and out for another; the share of users that are on is what must
 * match, and whether a user is eligible at all (the rule) must agree exactly. {@link
 * EvaluationBenchmark} checks both at setup.
 */
final class SameFlag {

  static final String NAME = "checkout_v2";

  static final List<String> COUNTRIES_IN = List.of("DE", "FR", "NL");
  static final String PLAN = "pro";
  static final int ROLLOUT_BASIS_POINTS = 2_500;

  static final String UNLEASH_RESOURCE = "bench/unleash-features.json";
  static final String LAUNCHDARKLY_RESOURCE = "bench/launchdarkly-flags.json";

  /** Five countries, three of them targeted. */
  private static final String[] COUNTRIES = {"DE", "FR", "NL", "US", "GB"};

  /** Two thirds of the users are on the targeted plan. */
  private static final String[] PLANS = {"pro", "free", "pro"};

  private SameFlag() {}

  /** The flag as Rollgate stores it. */
  static FlagDefinition rollgate() {
    return FlagDefinition.newFlag(NAME)
        .withVersion(1)
        .withRolloutBasisPoints(ROLLOUT_BASIS_POINTS)
        .withRules(
            List.of(
                Rule.of(
                    Condition.of("country", Operator.IN, COUNTRIES_IN.toArray(String[]::new)),
                    Condition.of("plan", Operator.EQ, PLAN))));
  }

  /** One user of the pool: id plus the two attributes the rule looks at. */
  record User(String id, String country, String plan) {
    /** Whether the rule (not the percentage) admits this user. */
    boolean eligible() {
      return COUNTRIES_IN.contains(country) && PLAN.equals(plan);
    }
  }

  /**
   * User {@code i} of a deterministic population: 3/5 of the countries and 2/3 of the plans match,
   * so 40 % of the users are eligible and about 10 % get the flag.
   */
  static User user(int i) {
    return new User(
        "user-" + i, COUNTRIES[i % COUNTRIES.length], PLANS[(i / COUNTRIES.length) % PLANS.length]);
  }

  /** A classpath resource (path without a leading slash) as UTF-8 text. */
  static String resource(String path) {
    try (InputStream in = SameFlag.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
