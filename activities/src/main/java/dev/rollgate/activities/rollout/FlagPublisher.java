package dev.rollgate.activities.rollout;

import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagDeletion;
import dev.rollgate.flags.FlagsRedisLayout;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts flag versions into the Redis snapshot hash and tells every {@code flags-client} about them
 * on the invalidation channel; removes deleted flags from the hash, keeps their tombstones ({@link
 * FlagsRedisLayout#DELETED_KEY}) and announces the {@link FlagDeletion}. A version never overwrites
 * a newer one or a deletion at or above it, so late or repeated publishes are harmless.
 *
 * <p>With {@link #reseedOnReconnect}, a Redis that comes back after an outage (possibly restarted
 * empty) gets every flag again as soon as the connection is re-established, including the changes
 * that were saved in PostgreSQL while Redis was down, and loses the flags deleted meanwhile.
 *
 * <p>Redis need not be up when the publisher is made (a worker starts during a Redis outage): it
 * then connects in the background, every {@value #CONNECT_RETRY_MILLIS} ms, and on that first
 * connection reseeds as after a reconnect. Until then {@link #publish} fails at once, like any
 * command while Redis is away.
 */
public class FlagPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FlagPublisher.class);

  /** Attempts of one reconnect reseed; the connection may still be activating at the first. */
  static final int RESEED_ATTEMPTS = 20;

  static final long RESEED_RETRY_MILLIS = 250;

  /** Pause between attempts of a first connection that failed. */
  static final long CONNECT_RETRY_MILLIS = 1_000;

  // For each (kind, name, json, version) quadruple in ARGV: compare-and-set on the version inside
  // Redis, against the flag held in KEYS[1] and its tombstone in KEYS[3], then publish the JSON on
  // KEYS[2]. kind 'set' writes the flag (and clears an older tombstone); 'del' removes it and keeps
  // the tombstone, so no late publish of an older version brings it back. One script call is
  // atomic, so a reseed of many flags is never seen half done (a client polling a half-seeded hash
  // would take it as complete).
  private static final String PUBLISH_IF_NEWER =
      """
      local written = 0
      for i = 1, #ARGV, 4 do
        local kind, name, json, version = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
        local held = -1
        local current = redis.call('HGET', KEYS[1], name)
        if current then
          local ok, decoded = pcall(cjson.decode, current)
          if ok and decoded['version'] then
            held = tonumber(decoded['version'])
          end
        end
        local deletedAt = tonumber(redis.call('HGET', KEYS[3], name) or '')
        if deletedAt and deletedAt > held then
          held = deletedAt
        end
        if version > held then
          if kind == 'del' then
            redis.call('HDEL', KEYS[1], name)
            redis.call('HSET', KEYS[3], name, ARGV[i + 3])
          else
            redis.call('HSET', KEYS[1], name, json)
            redis.call('HDEL', KEYS[3], name)
          end
          redis.call('PUBLISH', KEYS[2], json)
          written = written + 1
        end
      end
      return written
      """;

  private final RedisClient redis;
  private final AtomicBoolean reseedPending = new AtomicBoolean();
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "rollgate-flag-publisher");
            t.setDaemon(true);
            return t;
          });
  private volatile StatefulRedisConnection<String, String> connection;
  private Supplier<Seed> reseedFrom;
  private volatile boolean closed;

  /** Connects to Redis now, or in the background when it cannot be reached yet. */
  public FlagPublisher(RedisClient redis) {
    this.redis = redis;
    String problem = connect();
    if (problem != null) {
      log.warn(
          "Redis cannot be reached ({}): flag changes are saved in PostgreSQL and published once"
              + " it is; connecting every {} ms",
          problem,
          CONNECT_RETRY_MILLIS);
      retryConnect();
    }
  }

  /** Opens the connection; null when connected, else why not. */
  private synchronized String connect() {
    if (closed || connection != null) {
      return null;
    }
    try {
      StatefulRedisConnection<String, String> c = redis.connect();
      c.addListener(new ConnectionListener());
      connection = c;
      return null;
    } catch (RedisException e) {
      return e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
    }
  }

  private void retryConnect() {
    try {
      background.schedule(
          () -> {
            if (connect() != null) {
              retryConnect();
            } else if (!closed) {
              log.info("Redis reached: flags are published from now on");
              reseedNow();
            }
          },
          CONNECT_RETRY_MILLIS,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** Whether the publisher has a connection to Redis (it may be reconnecting). */
  public boolean connected() {
    StatefulRedisConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  private final class ConnectionListener implements RedisConnectionStateListener {
    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
      reseedNow();
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
      if (closed) {
        return;
      }
      log.warn(
          "Redis connection lost: flag changes are saved in PostgreSQL and published when"
              + " Redis is back");
    }
  }

  private void reseedNow() {
    Supplier<Seed> seed;
    synchronized (this) {
      seed = reseedFrom;
    }
    if (seed != null && reseedPending.compareAndSet(false, true)) {
      schedule(seed, 1, 0);
    }
  }

  /** What Redis should hold: the live flags, and the deleted ones it must not. */
  public record Seed(Collection<FlagDefinition> flags, Collection<FlagDeletion> deletions) {}

  /**
   * From now on, after every reconnect of this publisher's connection, copies {@code flags} (read
   * afresh each time, e.g. the store's list) into Redis, announcing what Redis lacked. Runs off
   * lettuce's event loop on a thread of its own, retrying for a few seconds while the connection
   * finishes activating; at most one reseed is queued at a time.
   */
  public void reseedOnReconnect(Supplier<? extends Collection<FlagDefinition>> flags) {
    reseedOnReconnect(flags, List::of);
  }

  /**
   * {@link #reseedOnReconnect(Supplier)}, also removing from Redis the flags deleted while it was
   * away (read afresh each time, e.g. the store's deletions), and announcing their deletion.
   */
  public synchronized void reseedOnReconnect(
      Supplier<? extends Collection<FlagDefinition>> flags,
      Supplier<? extends Collection<FlagDeletion>> deletions) {
    if (reseedFrom != null) {
      throw new IllegalStateException("reseedOnReconnect is already set");
    }
    reseedFrom = () -> new Seed(List.copyOf(flags.get()), List.copyOf(deletions.get()));
  }

  private void schedule(Supplier<Seed> seed, int attempt, long delayMillis) {
    try {
      background.schedule(
          () -> reseedAfterReconnect(seed, attempt), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      reseedPending.set(false); // closed
    }
  }

  private void reseedAfterReconnect(Supplier<Seed> seed, int attempt) {
    try {
      Seed contents = seed.get();
      int written = reseed(contents.flags(), contents.deletions());
      reseedPending.set(false);
      log.info(
          "Redis is back: reseeded it with {} flag version(s) or deletion(s) it lacked", written);
    } catch (RuntimeException e) {
      if (attempt < RESEED_ATTEMPTS) {
        schedule(seed, attempt + 1, RESEED_RETRY_MILLIS);
      } else {
        reseedPending.set(false);
        log.warn(
            "Redis is back but the reseed failed {} times ({}); the periodic reseed will retry",
            attempt,
            e.getMessage());
      }
    }
  }

  /**
   * Stores and announces {@code flag}; returns false when Redis already had this or a newer one.
   */
  public boolean publish(FlagDefinition flag) {
    return run(List.of(flag), List.of()) == 1;
  }

  /**
   * Removes the deleted flag from Redis, keeps its tombstone and announces the deletion; returns
   * false when Redis already had this deletion, or a newer version of the flag.
   */
  public boolean publish(FlagDeletion deletion) {
    return run(List.of(), List.of(deletion)) == 1;
  }

  /**
   * Copies the store's flags into Redis (after a Redis restart), announcing what was missing, in
   * one atomic step; returns how many versions Redis lacked.
   */
  public int reseed(Collection<FlagDefinition> flags) {
    return reseed(flags, List.of());
  }

  /**
   * {@link #reseed(Collection)}, also removing the deleted flags Redis still holds (or lacks the
   * tombstone of) and announcing their deletion; returns how many versions and deletions Redis
   * lacked.
   */
  public int reseed(Collection<FlagDefinition> flags, Collection<FlagDeletion> deletions) {
    return flags.isEmpty() && deletions.isEmpty() ? 0 : run(flags, deletions);
  }

  private int run(Collection<FlagDefinition> flags, Collection<FlagDeletion> deletions) {
    List<String> args = new ArrayList<>((flags.size() + deletions.size()) * 4);
    for (FlagDefinition flag : flags) {
      args.addAll(
          List.of("set", flag.name(), FlagCodec.toJson(flag), Long.toString(flag.version())));
    }
    for (FlagDeletion deletion : deletions) {
      args.addAll(
          List.of(
              "del",
              deletion.name(),
              FlagCodec.toJson(deletion),
              Long.toString(deletion.version())));
    }
    StatefulRedisConnection<String, String> c = connection;
    if (c == null) {
      throw new RedisConnectionException("Redis has not been reached since the worker started");
    }
    RedisCommands<String, String> commands = c.sync();
    Long written =
        commands.eval(
            PUBLISH_IF_NEWER,
            ScriptOutputType.INTEGER,
            new String[] {
              FlagsRedisLayout.HASH_KEY, FlagsRedisLayout.CHANNEL, FlagsRedisLayout.DELETED_KEY
            },
            args.toArray(String[]::new));
    return written == null ? 0 : written.intValue();
  }

  @Override
  public synchronized void close() {
    closed = true;
    background.shutdownNow();
    if (connection != null) {
      connection.close();
    }
  }
}
