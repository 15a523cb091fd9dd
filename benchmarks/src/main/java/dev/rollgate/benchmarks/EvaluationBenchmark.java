package dev.rollgate.benchmarks;

import com.launchdarkly.sdk.LDContext;
import com.launchdarkly.sdk.server.Components;
import com.launchdarkly.sdk.server.LDClient;
import com.launchdarkly.sdk.server.LDConfig;
import com.launchdarkly.sdk.server.integrations.FileData;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.flags.FlagsRedisLayout;
import io.getunleash.DefaultUnleash;
import io.getunleash.Unleash;
import io.getunleash.UnleashContext;
import io.getunleash.event.ClientFeaturesResponse;
import io.getunleash.metric.ClientMetrics;
import io.getunleash.metric.ClientRegistration;
import io.getunleash.metric.MetricSender;
import io.getunleash.util.UnleashConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
import redis.embedded.RedisServer;

/**
 * One flag ({@link SameFlag}: 25 % of the users with {@code country IN [DE, FR, NL] AND plan =
 * pro}) evaluated in-process by three SDKs, each holding its rules locally with no network:
 *
 * <ul>
 *   <li>{@link #rollgateSnapshot}: Rollgate {@link FlagSnapshot#isEnabled(String,
 *       EvaluationContext)};
 *   <li>{@link #rollgateClient}: Rollgate {@link FlagsClient#isEnabled(String, EvaluationContext)}
 *       (what applications call: the snapshot plus a {@code LongAdder} counter), loaded from an
 *       embedded Redis on 127.0.0.1 that is idle while measuring;
 *   <li>{@link #unleash}: Unleash Java SDK 12 ({@code DefaultUnleash}, Yggdrasil engine),
 *       bootstrapped from a JSON payload, with polling, metrics and registration replaced by
 *       no-ops;
 *   <li>{@link #launchDarkly}: LaunchDarkly Java server SDK 7 ({@code LDClient}) fed by its file
 *       data source (LaunchDarkly's documented way to run without a connection), events and
 *       diagnostics off.
 * </ul>
 *
 * <p>Each invocation evaluates the flag for the next of {@value #POOL} users, whose contexts are
 * built in {@link #setUp()} in each SDK's own type, so only evaluation is measured. The setup also
 * checks that the three SDKs make equivalent decisions (see {@link #verifyEquivalence()}) and fails
 * the run otherwise.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// Unleash's engine is a native library loaded with System.load; say so to keep JDK 24+ quiet.
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class EvaluationBenchmark {

  /** Users in the evaluated pool; a power of two so the cursor wraps with a mask. */
  static final int POOL = 1_024;

  /** Users evaluated by every SDK when checking that the three agree. */
  static final int VERIFY_USERS = 40_000;

  /** Allowed distance of each SDK's on-share of eligible users from 25 %. */
  static final double SHARE_TOLERANCE = 0.02;

  private FlagSnapshot snapshot;
  private EvaluationContext[] rollgateContexts;

  private Unleash unleash;
  private UnleashContext[] unleashContexts;

  private LDClient launchDarkly;
  private LDContext[] launchDarklyContexts;

  /** Position in the user pool; per thread, so the benchmark threads do not share a counter. */
  @State(Scope.Thread)
  public static class Cursor {
    private int index;

    int next() {
      index = (index + 1) & (POOL - 1);
      return index;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    snapshot = FlagSnapshot.of(List.of(SameFlag.rollgate()));
    unleash = newUnleash();
    launchDarkly = newLaunchDarkly();

    rollgateContexts = new EvaluationContext[POOL];
    unleashContexts = new UnleashContext[POOL];
    launchDarklyContexts = new LDContext[POOL];
    for (int i = 0; i < POOL; i++) {
      SameFlag.User user = SameFlag.user(i);
      rollgateContexts[i] = rollgateContext(user);
      unleashContexts[i] = unleashContext(user);
      launchDarklyContexts[i] = launchDarklyContext(user);
    }
    verifyEquivalence();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (unleash != null) {
      unleash.shutdown();
    }
    if (launchDarkly != null) {
      launchDarkly.close();
    }
  }

  @Benchmark
  public boolean rollgateSnapshot(Cursor cursor) {
    return snapshot.isEnabled(SameFlag.NAME, rollgateContexts[cursor.next()]);
  }

  @Benchmark
  public boolean rollgateClient(RollgateClientState client, Cursor cursor) {
    return client.client.isEnabled(SameFlag.NAME, rollgateContexts[cursor.next()]);
  }

  @Benchmark
  public boolean unleash(Cursor cursor) {
    return unleash.isEnabled(SameFlag.NAME, unleashContexts[cursor.next()]);
  }

  @Benchmark
  public boolean launchDarkly(Cursor cursor) {
    return launchDarkly.boolVariation(SameFlag.NAME, launchDarklyContexts[cursor.next()], false);
  }

  // ------------------------------------------------------------------ contexts

  static EvaluationContext rollgateContext(SameFlag.User user) {
    return EvaluationContext.of(user.id(), Map.of("country", user.country(), "plan", user.plan()));
  }

  static UnleashContext unleashContext(SameFlag.User user) {
    return UnleashContext.builder()
        .userId(user.id())
        .addProperty("country", user.country())
        .addProperty("plan", user.plan())
        .build();
  }

  static LDContext launchDarklyContext(SameFlag.User user) {
    return LDContext.builder(user.id())
        .set("country", user.country())
        .set("plan", user.plan())
        .build();
  }

  // ------------------------------------------------------------------ SDK set-up

  /**
   * Unleash bootstrapped from {@link SameFlag#UNLEASH_RESOURCE}. Nothing talks to a server: the
   * feature fetcher and the metrics sender (which also does client registration) are no-ops,
   * polling is disabled, and the backup file is a fresh path under {@code java.io.tmpdir} so that a
   * stale backup cannot shadow the bootstrap.
   */
  static Unleash newUnleash() throws IOException {
    Path tmp = LocalServers.tempDirectory();
    Path backup = tmp.resolve("unleash-bench-" + ProcessHandle.current().pid() + ".json");
    Files.deleteIfExists(backup);
    String features = SameFlag.resource(SameFlag.UNLEASH_RESOURCE);
    UnleashConfig config =
        UnleashConfig.builder()
            .appName("rollgate-benchmarks")
            .instanceId("bench-" + ProcessHandle.current().pid())
            .environment("production")
            .unleashAPI("http://127.0.0.1:9/api/") // never contacted, see the factories below
            .unleashFeatureFetcherFactory(cfg -> ClientFeaturesResponse::notChanged)
            .metricsSenderFactory(cfg -> new NoMetrics())
            .disablePolling()
            .disableMetrics()
            .synchronousFetchOnInitialisation(false)
            .backupFile(backup.toString())
            .toggleBootstrapProvider(() -> Optional.of(features))
            .build();
    Unleash unleash = new DefaultUnleash(config);
    if (unleash.more().getFeatureToggleDefinition(SameFlag.NAME).isEmpty()) {
      throw new IllegalStateException("Unleash did not load " + SameFlag.NAME + " from bootstrap");
    }
    return unleash;
  }

  /** Metrics and registration go nowhere. */
  static final class NoMetrics implements MetricSender {
    @Override
    public int registerClient(ClientRegistration registration) {
      return 200;
    }

    @Override
    public int sendMetrics(ClientMetrics metrics) {
      return 200;
    }
  }

  /**
   * LaunchDarkly fed by its file data source from {@link SameFlag#LAUNCHDARKLY_RESOURCE}; no
   * events, no diagnostics, no logging. ({@code offline(true)} would replace the data source with
   * an empty store, which is why the file data source is LaunchDarkly's offline mode with data.)
   */
  static LDClient newLaunchDarkly() throws IOException {
    LDConfig config =
        new LDConfig.Builder()
            .dataSource(
                FileData.dataSource()
                    .classpathResources(SameFlag.LAUNCHDARKLY_RESOURCE)
                    .autoUpdate(false))
            .events(Components.noEvents())
            .diagnosticOptOut(true)
            .logging(Components.noLogging())
            .startWait(Duration.ofSeconds(10))
            .build();
    LDClient client = new LDClient("sdk-offline-benchmark", config);
    if (!client.isInitialized() || !client.isFlagKnown(SameFlag.NAME)) {
      client.close();
      throw new IllegalStateException("LaunchDarkly did not load " + SameFlag.NAME);
    }
    return client;
  }

  // ------------------------------------------------------------------ equivalence

  /**
   * Evaluates {@value #VERIFY_USERS} users (the pool is a prefix of them) with every SDK and fails
   * unless: (1) no SDK turns the flag on for a user the rule excludes, (2) each SDK's on-share of
   * the eligible users is 25 % ± {@value #SHARE_TOLERANCE}, and (3) on the benchmark pool itself
   * the three on-counts are within 3 standard deviations of the expected count. Prints the counts.
   */
  void verifyEquivalence() {
    int eligible = 0;
    int[] on = new int[3];
    int poolEligible = 0;
    int[] poolOn = new int[3];
    for (int i = 0; i < VERIFY_USERS; i++) {
      SameFlag.User user = SameFlag.user(i);
      boolean[] decisions = {
        snapshot.isEnabled(SameFlag.NAME, rollgateContext(user)),
        unleash.isEnabled(SameFlag.NAME, unleashContext(user)),
        launchDarkly.boolVariation(SameFlag.NAME, launchDarklyContext(user), false)
      };
      if (user.eligible()) {
        eligible++;
        poolEligible += i < POOL ? 1 : 0;
      }
      for (int sdk = 0; sdk < 3; sdk++) {
        if (!decisions[sdk]) {
          continue;
        }
        if (!user.eligible()) {
          throw new IllegalStateException(
              SDKS[sdk] + " turned " + SameFlag.NAME + " on for excluded user " + user);
        }
        on[sdk]++;
        poolOn[sdk] += i < POOL ? 1 : 0;
      }
    }
    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            Locale.ROOT,
            "%nSame flag in every SDK: %d users, %d eligible (rule), pool of %d has %d eligible%n",
            VERIFY_USERS,
            eligible,
            POOL,
            poolEligible));
    double poolSigma = Math.sqrt(poolEligible * 0.25 * 0.75);
    for (int sdk = 0; sdk < 3; sdk++) {
      double share = (double) on[sdk] / eligible;
      report.append(
          String.format(
              Locale.ROOT,
              "  %-12s on for %5d users = %.2f %% of eligible, %.2f %% of all; pool: %d on%n",
              SDKS[sdk],
              on[sdk],
              100 * share,
              100.0 * on[sdk] / VERIFY_USERS,
              poolOn[sdk]));
      if (Math.abs(share - 0.25) > SHARE_TOLERANCE) {
        throw new IllegalStateException(SDKS[sdk] + " is on for " + share + " of eligible users");
      }
      if (Math.abs(poolOn[sdk] - poolEligible * 0.25) > 3 * poolSigma) {
        throw new IllegalStateException(
            SDKS[sdk] + " is on for " + poolOn[sdk] + " of " + poolEligible + " in the pool");
      }
    }
    System.out.print(report);
  }

  private static final String[] SDKS = {"rollgate", "unleash", "launchdarkly"};

  // ------------------------------------------------------------------ FlagsClient

  /**
   * A started {@link FlagsClient} holding the flag, loaded from an embedded Redis on 127.0.0.1.
   * Only {@link #rollgateClient} uses it; Redis is idle during measurement (the poll interval is 10
   * minutes).
   */
  @State(Scope.Benchmark)
  public static class RollgateClientState {
    private RedisServer redis;
    FlagsClient client;

    @Setup(Level.Trial)
    public void start() throws IOException {
      LocalServers.quietLettuceLogging();
      int port = LocalServers.freePort();
      redis = LocalServers.startRedis(port);
      String uri = "redis://127.0.0.1:" + port;
      RedisClient writer = RedisClient.create(uri);
      try (StatefulRedisConnection<String, String> connection = writer.connect()) {
        connection
            .sync()
            .hset(FlagsRedisLayout.HASH_KEY, SameFlag.NAME, FlagCodec.toJson(SameFlag.rollgate()));
      } finally {
        writer.shutdown();
      }
      client = FlagsClient.builder().redisUri(uri).pollInterval(Duration.ofMinutes(10)).build();
      client.start();
      if (!client.snapshot().contains(SameFlag.NAME)) {
        throw new IllegalStateException("FlagsClient did not load " + SameFlag.NAME);
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      if (client != null) {
        client.close();
      }
      if (redis != null) {
        redis.stop();
      }
    }
  }
}
