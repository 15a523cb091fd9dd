package dev.rollgate.benchmarks;

import com.launchdarkly.sdk.LDContext;
import com.launchdarkly.sdk.server.Components;
import com.launchdarkly.sdk.server.LDClient;
import com.launchdarkly.sdk.server.LDConfig;
import com.launchdarkly.sdk.server.integrations.FileData;
import dev.rollgate.flags.Condition;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.Operator;
import dev.rollgate.flags.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same rule-heavy flag in Rollgate and LaunchDarkly: on for 25 % of the users matching {@code
 * email ends_with @example.com AND ua contains Gecko} or {@code handle matches ^user-[0-9]*7$ AND
 * signup date_after 2025-06-01T00:00:00Z} (LaunchDarkly: {@code endsWith}, {@code contains}, {@code
 * matches}, {@code after}, each rule serving a 25/75 rollout). Set up like {@link
 * EvaluationBenchmark} (LaunchDarkly from its file data source, contexts built in {@link
 * #setUp()}); the setup checks that neither SDK turns the flag on for a user the rules exclude and
 * that both are on for 25 % ± 2 % of the eligible users, and fails the run otherwise.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class RuleHeavyEvaluationBenchmark {

  static final String NAME = "rules_v2";
  static final String LAUNCHDARKLY_RESOURCE = "bench/launchdarkly-rules-flags.json";
  static final Instant SIGNUP_AFTER = Instant.parse("2025-06-01T00:00:00Z");

  private FlagSnapshot snapshot;
  private LDClient launchDarkly;
  private final EvaluationContext[] rollgateContexts =
      new EvaluationContext[EvaluationBenchmark.POOL];
  private final LDContext[] launchDarklyContexts = new LDContext[EvaluationBenchmark.POOL];

  /** One user: the attributes both rules look at. */
  record User(String id, String email, String ua, String handle, String signup) {
    boolean eligible() {
      boolean first = email.endsWith("@example.com") && ua.contains("Gecko");
      boolean second =
          handle.matches("^user-[0-9]*7$") && Instant.parse(signup).isAfter(SIGNUP_AFTER);
      return first || second;
    }

    Map<String, String> attributes() {
      return Map.of("email", email, "ua", ua, "handle", handle, "signup", signup);
    }
  }

  static User user(int i) {
    return new User(
        "user-" + i,
        "u" + i + (i % 3 == 0 ? "@example.com" : "@other.org"),
        i % 2 == 0 ? "Mozilla/5.0 Gecko/20100101 Firefox/140.0" : "Mozilla/5.0 Chrome/140.0",
        "user-" + i,
        "2025-" + String.format(Locale.ROOT, "%02d", 1 + i % 12) + "-15T10:00:00Z");
  }

  static FlagDefinition rollgate() {
    return FlagDefinition.newFlag(NAME)
        .withVersion(1)
        .withRolloutBasisPoints(2_500)
        .withRules(
            List.of(
                Rule.of(
                    Condition.of("email", Operator.ENDS_WITH, "@example.com"),
                    Condition.of("ua", Operator.CONTAINS, "Gecko")),
                Rule.of(
                    Condition.of("handle", Operator.MATCHES, "^user-[0-9]*7$"),
                    Condition.of("signup", Operator.DATE_AFTER, "2025-06-01T00:00:00Z"))));
  }

  static LDContext launchDarklyContext(User user) {
    var builder = LDContext.builder(user.id());
    user.attributes().forEach(builder::set);
    return builder.build();
  }

  @State(Scope.Thread)
  public static class Cursor {
    private int index;

    int next() {
      index = (index + 1) & (EvaluationBenchmark.POOL - 1);
      return index;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    snapshot = FlagSnapshot.of(List.of(rollgate()));
    launchDarkly =
        new LDClient(
            "sdk-offline-benchmark",
            new LDConfig.Builder()
                .dataSource(
                    FileData.dataSource()
                        .classpathResources(LAUNCHDARKLY_RESOURCE)
                        .autoUpdate(false))
                .events(Components.noEvents())
                .diagnosticOptOut(true)
                .logging(Components.noLogging())
                .startWait(Duration.ofSeconds(10))
                .build());
    if (!launchDarkly.isInitialized() || !launchDarkly.isFlagKnown(NAME)) {
      throw new IllegalStateException("LaunchDarkly did not load " + NAME);
    }
    for (int i = 0; i < EvaluationBenchmark.POOL; i++) {
      User user = user(i);
      rollgateContexts[i] = EvaluationContext.of(user.id(), user.attributes());
      launchDarklyContexts[i] = launchDarklyContext(user);
    }
    verifyEquivalence();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws java.io.IOException {
    if (launchDarkly != null) {
      launchDarkly.close();
    }
  }

  @Benchmark
  public boolean rollgateRules(Cursor cursor) {
    return snapshot.isEnabled(NAME, rollgateContexts[cursor.next()]);
  }

  @Benchmark
  public boolean launchDarklyRules(Cursor cursor) {
    return launchDarkly.boolVariation(NAME, launchDarklyContexts[cursor.next()], false);
  }

  void verifyEquivalence() {
    int eligible = 0;
    int[] on = new int[2];
    for (int i = 0; i < EvaluationBenchmark.VERIFY_USERS; i++) {
      User user = user(i);
      boolean[] decisions = {
        snapshot.isEnabled(NAME, EvaluationContext.of(user.id(), user.attributes())),
        launchDarkly.boolVariation(NAME, launchDarklyContext(user), false)
      };
      eligible += user.eligible() ? 1 : 0;
      for (int sdk = 0; sdk < 2; sdk++) {
        if (decisions[sdk] && !user.eligible()) {
          throw new IllegalStateException("SDK " + sdk + " turned " + NAME + " on for " + user);
        }
        on[sdk] += decisions[sdk] ? 1 : 0;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s: %d users, %d eligible; rollgate on for %d, launchdarkly on for %d%n",
        NAME,
        EvaluationBenchmark.VERIFY_USERS,
        eligible,
        on[0],
        on[1]);
    for (int sdk = 0; sdk < 2; sdk++) {
      double share = (double) on[sdk] / eligible;
      if (Math.abs(share - 0.25) > EvaluationBenchmark.SHARE_TOLERANCE) {
        throw new IllegalStateException("SDK " + sdk + " is on for " + share + " of eligible");
      }
    }
  }
}
