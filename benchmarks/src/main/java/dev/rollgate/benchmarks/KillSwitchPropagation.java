package dev.rollgate.benchmarks;

import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsClient;
import io.lettuce.core.RedisClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import redis.embedded.RedisServer;

/**
 * How long the kill switch takes to reach every application: the time from the start of the write a
 * rollout's abort performs ({@link FlagStore#apply} with {@code killed = true}, then {@link
 * FlagPublisher#publish}) until every one of N {@link FlagsClient}s evaluates the flag as off.
 *
 * <p>Everything runs in this JVM against an embedded PostgreSQL (Rollgate's Flyway schema) and an
 * embedded Redis, both on the loopback interface. The flag is at 100 %. Each trial first revives
 * the flag ({@code killed = false}) and waits until every client sees it on, pauses 20-70 ms, then
 * takes {@code t0}, kills the flag and busy-polls every client until each evaluates off (or the
 * trial's time limit passes, which counts as a timeout). The first {@code --warmup} trials are not
 * counted.
 *
 * <p>Options: {@code --clients=50 --trials=1000 --warmup=50 --timeout-ms=5000}.
 *
 * <p>Reported per trial: {@code write} = the PostgreSQL transaction (FlagStore.apply), {@code
 * publish} = the Redis HSET + PUBLISH script (FlagPublisher.publish), {@code fan-out} = from
 * publish returning until the last client is off, {@code total} = t0 until the last client is off.
 * Also every client's own latency (t0 until that client is off), over all trials.
 */
public final class KillSwitchPropagation {

  static final String FLAG = "kill_switch_bench";
  static final EvaluationContext USER = EvaluationContext.of("user-42");

  private KillSwitchPropagation() {}

  public static void main(String[] args) throws Exception {
    int clientCount = intOption(args, "clients", 50);
    int trials = intOption(args, "trials", 1_000);
    int warmup = intOption(args, "warmup", 50);
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(intOption(args, "timeout-ms", 5_000));
    LocalServers.quietLettuceLogging();
    if (clientCount < 1 || trials < 1 || warmup < 0 || timeoutNanos <= 0) {
      throw new IllegalArgumentException("clients, trials, timeout-ms must be > 0, warmup >= 0");
    }

    System.out.printf(
        Locale.ROOT,
        "Kill-switch propagation: %d clients, %d trials (+%d warm-up), timeout %d ms,"
            + " %d CPUs, JDK %s, java.io.tmpdir=%s%n",
        clientCount,
        trials,
        warmup,
        TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        LocalServers.tempDirectory());

    EmbeddedPostgres postgres = null;
    RedisServer redis = null;
    RedisClient redisClient = null;
    FlagPublisher publisher = null;
    Connection connection = null;
    List<FlagsClient> clients = new ArrayList<>();
    try {
      long startNanos = System.nanoTime();
      postgres = LocalServers.startPostgres();
      Flyway.configure().dataSource(postgres.getPostgresDatabase()).load().migrate();
      // One dedicated connection: what a warm connection pool hands the worker.
      connection = postgres.getPostgresDatabase().getConnection();
      DSLContext db = DSL.using(connection, SQLDialect.POSTGRES);
      FlagStore store = new FlagStore(db, Clock.systemUTC());

      int redisPort = LocalServers.freePort();
      redis = LocalServers.startRedis(redisPort);
      String redisUri = "redis://127.0.0.1:" + redisPort;
      redisClient = RedisClient.create(redisUri);
      publisher = new FlagPublisher(redisClient);
      System.out.printf(
          Locale.ROOT,
          "PostgreSQL (migrated) on port %d and Redis on 127.0.0.1:%d up in %d ms%n",
          postgres.getPort(),
          redisPort,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));

      Writer writer = new Writer(store, publisher);
      FlagDefinition created =
          writer.change(
              d -> d.withRolloutBasisPoints(FlagDefinition.FULL_ROLLOUT_BASIS_POINTS), true);
      System.out.printf(Locale.ROOT, "Flag %s v%d at 100 %%%n", FLAG, created.version());

      startNanos = System.nanoTime();
      for (int i = 0; i < clientCount; i++) {
        clients.add(FlagsClient.builder().redisUri(redisUri).build().start());
      }
      FlagsClient[] all = clients.toArray(FlagsClient[]::new);
      if (waitUntil(all, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)) < 0) {
        throw new IllegalStateException("not every client loaded " + FLAG + " within 30 s");
      }
      System.out.printf(
          Locale.ROOT,
          "%d FlagsClients started and see the flag on, in %d ms%n",
          clientCount,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));

      Samples write = new Samples();
      Samples publish = new Samples();
      Samples fanOut = new Samples();
      Samples total = new Samples();
      Samples perClient = new Samples();
      int timeouts = 0;
      int reviveTimeouts = 0;
      long[] offAt = new long[all.length];
      for (int trial = 0; trial < warmup + trials; trial++) {
        boolean counted = trial >= warmup;
        writer.change(d -> d.withKilled(false), false);
        if (waitUntil(all, true, System.nanoTime() + timeoutNanos) < 0) {
          reviveTimeouts += counted ? 1 : 0;
          continue;
        }
        Thread.sleep(20 + ThreadLocalRandom.current().nextInt(50));

        long t0 = System.nanoTime();
        FlagStore.Applied applied =
            store.apply(
                new FlagStore.Change(
                    FLAG,
                    d -> d.withKilled(true),
                    false,
                    "bench-kill-" + UUID.randomUUID(),
                    "benchmark",
                    "kill-switch propagation trial " + trial,
                    "bench-rollout"));
        long t1 = System.nanoTime();
        publisher.publish(applied.definition());
        long t2 = System.nanoTime();
        Arrays.fill(offAt, 0L);
        long last = pollUntilOff(all, FLAG, USER, offAt, t2 + timeoutNanos, 0);
        if (!applied.written() || !applied.definition().killed()) {
          throw new IllegalStateException("kill was not written: " + applied);
        }
        if (!counted) {
          continue;
        }
        if (last < 0) {
          timeouts++;
          continue;
        }
        write.add(t1 - t0);
        publish.add(t2 - t1);
        fanOut.add(last - t2);
        total.add(last - t0);
        for (long at : offAt) {
          perClient.add(at - t0);
        }
      }

      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "Kill switch, %d clients, %d trials counted (%d timed out after %d ms, %d revives timed"
              + " out), milliseconds:%n",
          clientCount,
          total.size(),
          timeouts,
          TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
          reviveTimeouts);
      System.out.println(
          "| measure                                     |   N   |   p50  |   p90  |   p99  |   max  |");
      System.out.println(
          "|---------------------------------------------|------:|-------:|-------:|-------:|-------:|");
      total.print("total: t0 -> last client off");
      write.print("write: PostgreSQL tx (FlagStore.apply)");
      publish.print("publish: Redis HSET+PUBLISH (FlagPublisher)");
      fanOut.print("fan-out: publish returned -> last off");
      perClient.print("each client: t0 -> that client off");
      System.out.printf(
          Locale.ROOT,
          "%nTarget p99 total <= 100 ms: %s (p99 = %.2f ms)%n",
          total.size() > 0 && total.percentileMillis(0.99) <= 100.0 ? "met" : "NOT met",
          total.size() > 0 ? total.percentileMillis(0.99) : Double.NaN);
    } finally {
      for (FlagsClient client : clients) {
        client.close();
      }
      if (publisher != null) {
        publisher.close();
      }
      if (redisClient != null) {
        redisClient.shutdown();
      }
      if (connection != null) {
        connection.close();
      }
      if (redis != null) {
        redis.stop();
      }
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /** Flag changes the way a rollout makes them: PostgreSQL first, then Redis. */
  private record Writer(FlagStore store, FlagPublisher publisher) {
    FlagDefinition change(UnaryOperator<FlagDefinition> edit, boolean create) {
      FlagStore.Applied applied =
          store.apply(
              new FlagStore.Change(
                  FLAG,
                  edit,
                  create,
                  "bench-" + UUID.randomUUID(),
                  "benchmark",
                  "kill-switch propagation set-up",
                  "bench-rollout"));
      publisher.publish(applied.definition());
      return applied.definition();
    }
  }

  /**
   * Busy-polls until every client evaluates {@link #FLAG} as {@code on}; returns the time the last
   * one did, or -1 at {@code deadline}.
   */
  static long waitUntil(FlagsClient[] clients, boolean on, long deadline) {
    boolean[] done = new boolean[clients.length];
    int remaining = clients.length;
    long last = 0;
    while (remaining > 0) {
      for (int i = 0; i < clients.length; i++) {
        if (!done[i] && clients[i].isEnabled(FLAG, USER) == on) {
          done[i] = true;
          remaining--;
          last = System.nanoTime();
        }
      }
      if (remaining > 0 && System.nanoTime() - deadline > 0) {
        return -1;
      }
      Thread.onSpinWait();
    }
    return last;
  }

  /**
   * Busy-polls every client until it evaluates {@code flag} as off for {@code user}, recording when
   * each did in {@code offAt}; returns the time the last one did, or -1 at {@code deadline}. With
   * {@code parkNanos > 0} the poller parks between rounds instead of spinning.
   */
  static long pollUntilOff(
      FlagsClient[] clients,
      String flag,
      EvaluationContext user,
      long[] offAt,
      long deadline,
      long parkNanos) {
    int remaining = clients.length;
    long last = 0;
    while (remaining > 0) {
      for (int i = 0; i < clients.length; i++) {
        if (offAt[i] == 0 && !clients[i].isEnabled(flag, user)) {
          long now = System.nanoTime();
          offAt[i] = now;
          remaining--;
          last = now;
        }
      }
      if (remaining > 0 && System.nanoTime() - deadline > 0) {
        return -1;
      }
      if (parkNanos > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(parkNanos);
      } else {
        Thread.onSpinWait();
      }
    }
    return last;
  }

  static int intOption(String[] args, String name, int defaultValue) {
    String prefix = "--" + name + "=";
    for (String arg : args) {
      if (arg.startsWith(prefix)) {
        return Integer.parseInt(arg.substring(prefix.length()));
      }
    }
    return defaultValue;
  }

  /** Durations in nanoseconds; nearest-rank percentiles. */
  static final class Samples {
    private long[] values = new long[256];
    private int size;

    void add(long nanos) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = nanos;
    }

    int size() {
      return size;
    }

    double percentileMillis(double q) {
      long[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      int rank = (int) Math.ceil(q * size);
      return sorted[Math.max(0, Math.min(size, rank) - 1)] / 1e6;
    }

    void print(String label) {
      if (size == 0) {
        System.out.printf(
            Locale.ROOT, "| %-43s | %5d |    -   |    -   |    -   |    -   |%n", label, 0);
        return;
      }
      System.out.printf(
          Locale.ROOT,
          "| %-43s | %5d | %6.2f | %6.2f | %6.2f | %6.2f |%n",
          label,
          size,
          percentileMillis(0.50),
          percentileMillis(0.90),
          percentileMillis(0.99),
          percentileMillis(1.0));
    }
  }
}
