package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class AllocationTest {

  /** Slack for anything the measurement itself might allocate, e.g. a lazily created counter. */
  static final long SLACK_BYTES = 1_024;

  static final int OPS = 100_000;

  /**
   * A percentage flag with an attribute rule of each kind (string set, numeric, semver), evaluated
   * for a rotating set of prebuilt contexts that include non-ASCII ids.
   */
  static FlagDefinition percentageAndAttributeRuleFlag() {
    return FlagDefinition.newFlag("checkout_v2")
        .withRolloutBasisPoints(2_500)
        .withDenyUsers(List.of("banned"))
        .withAllowUsers(List.of("vip"))
        .withRules(
            List.of(
                Rule.of(
                    Condition.of("country", Operator.IN, "DE", "FR", "NL"),
                    Condition.of("age", Operator.GTE, "18"),
                    Condition.of("appVersion", Operator.SEMVER_GTE, "2.4.0")),
                Rule.of(Condition.of("plan", Operator.EQ, "enterprise"))));
  }

  static EvaluationContext[] contexts() {
    EvaluationContext[] contexts = new EvaluationContext[1_024];
    String[] countries = {"DE", "FR", "US", "NL"};
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] =
          EvaluationContext.of(
              (i % 7 == 0 ? "usér-ü-" : "user-") + i,
              Map.of(
                  "country",
                  countries[i % countries.length],
                  "age",
                  String.valueOf(14 + i % 10),
                  "appVersion",
                  "2." + (i % 6) + ".1",
                  "plan",
                  i % 11 == 0 ? "enterprise" : "free"));
    }
    return contexts;
  }

  /**
   * The least bytes the current thread allocates in one of three rounds of {@code ops} evaluations.
   */
  static long allocatedBytes(int ops, BooleanSupplier evaluation) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    threads.setThreadAllocatedMemoryEnabled(true);
    long id = Thread.currentThread().threadId();
    int on = 0;
    for (int i = 0; i < 3 * ops; i++) { // warm-up: let the JIT compile the path
      on += evaluation.getAsBoolean() ? 1 : 0;
    }
    // The least of three rounds: an evaluation that allocates does so in every round (at least
    // ops bytes), while a one-off of the JVM's (a deoptimisation re-materialising a
    // scalar-replaced object, ~1.5 KB once on a loaded CI machine) shows in one round only.
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      threads.getThreadAllocatedBytes(id);
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < ops; i++) {
        on += evaluation.getAsBoolean() ? 1 : 0;
      }
      least = Math.min(least, threads.getThreadAllocatedBytes(id) - before);
    }
    assertThat(on).as("the flag is on for some and off for others").isBetween(1, 6 * ops - 1);
    return least;
  }

  @Test
  void snapshotEvaluationAllocatesNothing() {
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(percentageAndAttributeRuleFlag()));
    EvaluationContext[] contexts = contexts();
    int[] next = {0};

    long bytes =
        allocatedBytes(
            OPS,
            () ->
                snapshot.isEnabled(
                    "checkout_v2", contexts[next[0]++ & (contexts.length - 1)], false));

    assertThat(bytes).as("bytes allocated by %d evaluations", OPS).isLessThan(SLACK_BYTES);
    assertThat(snapshot.evaluations("checkout_v2"))
        .as("every evaluation counted in the flag's evaluation counter")
        .isEqualTo(6L * OPS); // three warm-up rounds and three measured
  }

  @Test
  void variantEvaluationAllocatesNothing() {
    FlagDefinition flag =
        percentageAndAttributeRuleFlag()
            .withRules(
                List.of(
                    Rule.of(Condition.of("plan", Operator.EQ, "enterprise")).serving("gold"),
                    Rule.of(Condition.of("country", Operator.IN, "DE", "FR", "NL"))))
            .withVariants(
                VariationType.STRING,
                List.of(
                    new Variant(
                        "control",
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("a"),
                        5_000),
                    new Variant(
                        "treatment",
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("b"),
                        4_000),
                    new Variant(
                        "gold", com.fasterxml.jackson.databind.node.TextNode.valueOf("c"), 1_000)),
                "control",
                null,
                null);
    assertThat(FlagValidation.problem(flag)).isNull();
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(flag));
    EvaluationContext[] contexts = contexts();
    int[] next = {0};

    long bytes =
        allocatedBytes(
            OPS,
            () ->
                snapshot
                    .stringVariation(
                        "checkout_v2", contexts[next[0]++ & (contexts.length - 1)], "x")
                    .equals("b"));

    assertThat(bytes).as("bytes allocated by %d variant evaluations", OPS).isLessThan(SLACK_BYTES);
    assertThat(snapshot.exposures("checkout_v2").values().stream().mapToLong(Long::longValue).sum())
        .as("every evaluation counted as an exposure")
        .isEqualTo(6L * OPS); // three warm-up rounds and three measured
    assertThat(snapshot.evaluations("checkout_v2")).isEqualTo(6L * OPS);
  }

  @Test
  void evaluationWithSaltTrailingBytesAndFourByteCharactersAllocatesNothing() {
    // A salt of 2 UTF-8 bytes + ':' leaves a partial hash block pending before the key.
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(FlagDefinition.newFlag("ab").withRolloutBasisPoints(5_000).withSalt("é")));
    EvaluationContext[] contexts = new EvaluationContext[64];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = EvaluationContext.of("\uD83D\uDE00-" + i + "-☃");
    }
    int[] next = {0};

    long bytes =
        allocatedBytes(
            OPS, () -> snapshot.isEnabled("ab", contexts[next[0]++ & (contexts.length - 1)]));

    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void semverRulesOverPreReleaseVersionsAllocateNothing() {
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(
                FlagDefinition.newFlag("pre")
                    .withRolloutBasisPoints(10_000)
                    .withRules(
                        List.of(
                            Rule.of(
                                Condition.of("appVersion", Operator.SEMVER_GTE, "2.0.0-beta.11"),
                                Condition.of("appVersion", Operator.SEMVER_LT, "2.0.0"))))));
    String[] versions = {"2.0.0-beta.2", "2.0.0-beta.11", "2.0.0-rc.1", "2.0.0-beta.11.1", "2.0.0"};
    EvaluationContext[] contexts = new EvaluationContext[64];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = EvaluationContext.of("u" + i, Map.of("appVersion", versions[i % 5]));
    }
    int[] next = {0};

    long bytes =
        allocatedBytes(
            OPS, () -> snapshot.isEnabled("pre", contexts[next[0]++ & (contexts.length - 1)]));

    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void stringRegexCidrDateAndCaseInsensitiveRulesAllocateNothing() {
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(
                FlagDefinition.newFlag("ops")
                    .withRolloutBasisPoints(5_000)
                    .withRules(
                        List.of(
                            Rule.of(
                                Condition.ignoringCase("email", Operator.ENDS_WITH, "@Example.com"),
                                Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8", "2001:db8::/32"),
                                Condition.of("signup", Operator.DATE_AFTER, "2025-01-01")),
                            Rule.of(
                                Condition.ignoringCase("country", Operator.IN, "de", "fr"),
                                Condition.of("id", Operator.MATCHES, "^user-[0-9]+$"),
                                Condition.of("ua", Operator.CONTAINS, "Gecko"))))));
    EvaluationContext[] contexts = new EvaluationContext[64];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] =
          EvaluationContext.of(
              "user-" + i,
              Map.of(
                  "email", i % 3 == 0 ? "a" + i + "@EXAMPLE.com" : "b@other.org",
                  "ip", i % 2 == 0 ? "10.1.2." + i : "2001:db8::" + i,
                  "signup", "2025-0" + (1 + i % 9) + "-15T10:00:00Z",
                  "country", i % 4 == 0 ? "DE" : "US",
                  "id", i % 5 == 0 ? "user-" + i : "bot-" + i,
                  "ua", "Mozilla/5.0 Gecko"));
    }
    int[] next = {0};

    long bytes =
        allocatedBytes(
            OPS, () -> snapshot.isEnabled("ops", contexts[next[0]++ & (contexts.length - 1)]));

    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void measurementDetectsAnEvaluationThatAllocates() {
    FlagSnapshot snapshot = FlagSnapshot.of(List.of(percentageAndAttributeRuleFlag()));
    int[] next = {0};

    // Building a context per call allocates: the measurement must see it.
    long bytes =
        allocatedBytes(
            OPS / 10,
            () ->
                snapshot.isEnabled(
                    "checkout_v2",
                    EvaluationContext.of("user-" + next[0]++, Map.of("plan", "enterprise"))));

    assertThat(bytes).isGreaterThan(100L * OPS / 10);
  }
}
