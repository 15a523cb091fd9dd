package dev.rollgate.activities.rollout;

import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
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
 * on the invalidation channel. A version never overwrites a newer one, so late or repeated
 * publishes are harmless.
 *
 * <p>With {@link #reseedOnReconnect}, a Redis that comes back after an outage (possibly restarted
 * empty) gets every flag again as soon as the connection is re-established, including the changes
 * that were saved in PostgreSQL while Redis was down.
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

  // For each (name, json, version) triple in ARGV: compare-and-set on the version inside Redis,
  // then publish the full JSON. One script call is atomic, so a reseed of many flags is never seen
  // half done (a client polling a half-seeded hash would take it as complete).
  private static final String PUBLISH_IF_NEWER =
      """
      local written = 0
      for i = 1, #ARGV, 3 do
        local newer = true
        local current = redis.call('HGET', KEYS[1], ARGV[i])
        if current then
          local ok, decoded = pcall(cjson.decode, current)
          if ok and decoded['version'] and tonumber(decoded['version']) >= tonumber(ARGV[i + 2]) then
            newer = false
          end
        end
        if newer then
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
          redis.call('PUBLISH', KEYS[2], ARGV[i + 1])
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
  private Supplier<? extends Collection<FlagDefinition>> reseedFlags;
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
    Supplier<? extends Collection<FlagDefinition>> flags;
    synchronized (this) {
      flags = reseedFlags;
    }
    if (flags != null && reseedPending.compareAndSet(false, true)) {
      schedule(flags, 1, 0);
    }
  }

  /**
   * From now on, after every reconnect of this publisher's connection, copies {@code flags} (read
   * afresh each time, e.g. the store's list) into Redis, announcing what Redis lacked. Runs off
   * lettuce's event loop on a thread of its own, retrying for a few seconds while the connection
   * finishes activating; at most one reseed is queued at a time.
   */
  public synchronized void reseedOnReconnect(Supplier<? extends Collection<FlagDefinition>> flags) {
    if (reseedFlags != null) {
      throw new IllegalStateException("reseedOnReconnect is already set");
    }
    reseedFlags = flags;
  }

  private void schedule(
      Supplier<? extends Collection<FlagDefinition>> flags, int attempt, long delayMillis) {
    try {
      background.schedule(
          () -> reseedAfterReconnect(flags, attempt), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      reseedPending.set(false); // closed
    }
  }

  private void reseedAfterReconnect(
      Supplier<? extends Collection<FlagDefinition>> flags, int attempt) {
    try {
      int written = reseed(flags.get());
      reseedPending.set(false);
      log.info("Redis is back: reseeded it with {} flag version(s) it lacked", written);
    } catch (RuntimeException e) {
      if (attempt < RESEED_ATTEMPTS) {
        schedule(flags, attempt + 1, RESEED_RETRY_MILLIS);
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
    return run(List.of(flag)) == 1;
  }

  /**
   * Copies the store's flags into Redis (after a Redis restart), announcing what was missing, in
   * one atomic step; returns how many versions Redis lacked.
   */
  public int reseed(Collection<FlagDefinition> flags) {
    return flags.isEmpty() ? 0 : run(flags);
  }

  private int run(Collection<FlagDefinition> flags) {
    String[] args = new String[flags.size() * 3];
    int i = 0;
    for (FlagDefinition flag : flags) {
      args[i++] = flag.name();
      args[i++] = FlagCodec.toJson(flag);
      args[i++] = Long.toString(flag.version());
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
            new String[] {FlagsRedisLayout.HASH_KEY, FlagsRedisLayout.CHANNEL},
            args);
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
