package dev.rollgate.flags;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeddable flag client: evaluates flags locally against an in-memory {@link FlagSnapshot} that it
 * keeps current from Redis.
 *
 * <pre>{@code
 * FlagsClient flags = FlagsClient.builder()
 *     .redisUri("redis://localhost:6379")
 *     .jdbc("jdbc:postgresql://db/rollgate", "reader", secret) // optional fallback
 *     .meterRegistry(registry)                                  // optional
 *     .build();
 * flags.start();
 * EvaluationContext ctx = EvaluationContext.of("user-42", Map.of("country", "DE"));
 * if (flags.isEnabled("new_checkout", ctx)) { ... }
 * }</pre>
 *
 * <h2>Keeping the snapshot current</h2>
 *
 * <ul>
 *   <li><b>Full load</b> at {@link #start()} and then every {@code pollInterval} (default 30 s) on
 *       a daemon thread: {@code HGETALL} {@value FlagsRedisLayout#HASH_KEY}; when that fails (or
 *       returns an empty hash while flags are held, which means a cold cache, not "no flags") and
 *       JDBC is configured, {@code SELECT definition FROM rollgate_flag}. A full load replaces the
 *       snapshot, except that flags held at a newer version (from a racing push) are kept.
 *   <li><b>Push</b>: a pub/sub subscription to {@value FlagsRedisLayout#CHANNEL}; each message is
 *       the full JSON of one changed flag and is applied at once (copy-on-write) when its version
 *       is newer than the one held, or a {@link FlagDeletion}: the flag is dropped at once and from
 *       then on evaluates as unknown (the caller's default); versions up to the deletion's that
 *       arrive later (a late push, a full load that read before the deletion) are ignored.
 *   <li><b>Fail-static</b>: when every source fails the last snapshot keeps being served (an empty
 *       one if nothing was ever loaded), failures are counted and the poller keeps retrying. Redis
 *       commands time out after 2 s; the connections reconnect automatically (lettuce resubscribes
 *       the channel) and a reconnect triggers an immediate full load.
 * </ul>
 *
 * <h2>Metrics</h2>
 *
 * With a {@link MeterRegistry}: counter {@code rollgate.flags.evaluations}, gauge {@code
 * rollgate.flags.snapshot.age} (seconds since the last successful full load), counter {@code
 * rollgate.flags.refresh.failures}, gauge {@code rollgate.flags.count}, counter {@code
 * rollgate.flags.flag.evaluations} per flag (tag {@code flag}; {@link #evaluations}).
 *
 * <p>{@link #isEnabled(String, EvaluationContext, boolean)} never throws, does no I/O and allocates
 * nothing. Thread-safe.
 */
public final class FlagsClient implements AutoCloseable {

  /** Default interval of the safety-net full reload. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);

  /** Timeout of Redis connects and commands, so a dead Redis does not stall the poller. */
  static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(FlagsClient.class);
  private static final String JDBC_QUERY = "SELECT definition FROM " + FlagsRedisLayout.PG_TABLE;
  private static final int JDBC_QUERY_TIMEOUT_SECONDS = 10;

  private final RedisURI redisUri;
  private final Duration pollInterval;
  private final String jdbcUrl;
  private final String jdbcUser;
  private final String jdbcPassword;
  private final MeterRegistry meterRegistry;

  private final LongAdder evaluations = new LongAdder();
  private final LongAdder refreshFailures = new LongAdder();
  private final Object swapLock = new Object();
  private final Object connectLock = new Object();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean resyncPending = new AtomicBoolean();
  private final List<Meter> meters = new ArrayList<>();

  /**
   * "flag\u0000variant" of every exposure meter and "flag" of every evaluation meter registered, so
   * each is registered once.
   */
  private final java.util.Set<String> exposureMeters =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private volatile FlagSnapshot snapshot = FlagSnapshot.empty();
  private volatile long lastLoadNanos = System.nanoTime();
  private volatile RefreshFailure lastFailure;
  private volatile boolean initialLoadAttempted;
  private volatile boolean loadedOnce;

  private ClientResources clientResources;
  private RedisClient redisClient;
  private StatefulRedisConnection<String, String> commands;
  private StatefulRedisPubSubConnection<String, String> pubSub;
  private final ScheduledExecutorService poller;

  private FlagsClient(Builder b) {
    this.redisUri = b.redisUri;
    this.pollInterval = b.pollInterval;
    this.jdbcUrl = b.jdbcUrl;
    this.jdbcUser = b.jdbcUser;
    this.jdbcPassword = b.jdbcPassword;
    this.meterRegistry = b.meterRegistry;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rollgate-flags-poller");
              t.setDaemon(true);
              return t;
            });
  }

  /** A builder; at least a Redis URI or a JDBC URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Subscribes to pushes, loads the full snapshot and starts the poller. Succeeds even when no
   * source is reachable: the snapshot then stays empty (every flag evaluates to its default), a
   * warning is logged and the poller keeps retrying.
   *
   * @return this client
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  public FlagsClient start() {
    if (closed.get()) {
      throw new IllegalStateException("flags client is closed");
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("flags client already started");
    }
    registerMeters();
    if (redisUri != null) {
      clientResources =
          ClientResources.builder()
              .ioThreadPoolSize(2)
              .computationThreadPoolSize(1)
              .reconnectDelay(
                  Delay.equalJitter(
                      Duration.ofMillis(100), Duration.ofSeconds(5), 1, TimeUnit.MILLISECONDS))
              .build();
      redisClient = RedisClient.create(clientResources, redisUri);
      redisClient.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(SocketOptions.builder().connectTimeout(REDIS_TIMEOUT).build())
              .timeoutOptions(TimeoutOptions.enabled(REDIS_TIMEOUT))
              .build());
      redisClient.addListener(new ReconnectListener());
    }
    boolean loaded = refresh();
    initialLoadAttempted = true;
    if (!loaded) {
      log.warn(
          "Rollgate flags: no flag source reachable at start ({}); serving defaults until a"
              + " refresh succeeds, retrying every {}",
          describe(lastFailure),
          pollInterval);
    }
    long periodMillis = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(
        this::pollQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Evaluates {@code flag}; an unknown flag is off. See {@link FlagSnapshot} for the rules. */
  public boolean isEnabled(String flag, EvaluationContext ctx) {
    return isEnabled(flag, ctx, false);
  }

  /**
   * Evaluates {@code flag} against the current snapshot. Never throws, does no I/O, allocates
   * nothing.
   *
   * @param defaultValue returned when the snapshot does not hold {@code flag} (for example before
   *     the first successful load)
   */
  public boolean isEnabled(String flag, EvaluationContext ctx, boolean defaultValue) {
    evaluations.increment();
    try {
      return snapshot.isEnabled(flag, ctx, defaultValue);
    } catch (RuntimeException e) {
      return defaultValue; // defensive: evaluation has no failing paths
    }
  }

  /**
   * Evaluates {@code flag} and says why ({@link FlagSnapshot#explain}); allocates the answer, so
   * keep it for debugging and logs. Counted as an evaluation.
   */
  public FlagEvaluation explain(String flag, EvaluationContext ctx, boolean defaultValue) {
    evaluations.increment();
    return snapshot.explain(flag, ctx, defaultValue);
  }

  /**
   * The variant of the multivariate {@code flag} served to {@code ctx} ({@link
   * FlagSnapshot#variant}); null for an unknown or boolean flag. Counted as an evaluation and as an
   * exposure of the variant. Never throws, allocates nothing.
   */
  public Variant variant(String flag, EvaluationContext ctx) {
    evaluations.increment();
    try {
      return snapshot.variant(flag, ctx);
    } catch (RuntimeException e) {
      return null; // defensive: evaluation has no failing paths
    }
  }

  /** {@link FlagSnapshot#stringVariation}, counted like {@link #variant}. */
  public String stringVariation(String flag, EvaluationContext ctx, String defaultValue) {
    evaluations.increment();
    try {
      return snapshot.stringVariation(flag, ctx, defaultValue);
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** {@link FlagSnapshot#numberVariation}, counted like {@link #variant}. */
  public double numberVariation(String flag, EvaluationContext ctx, double defaultValue) {
    evaluations.increment();
    try {
      return snapshot.numberVariation(flag, ctx, defaultValue);
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** {@link FlagSnapshot#jsonVariation}, counted like {@link #variant}. */
  public com.fasterxml.jackson.databind.JsonNode jsonVariation(
      String flag, EvaluationContext ctx, com.fasterxml.jackson.databind.JsonNode defaultValue) {
    evaluations.increment();
    try {
      return snapshot.jsonVariation(flag, ctx, defaultValue);
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /**
   * Exposure counts of an experiment: evaluations of {@code flag} through {@link #variant} and the
   * typed variations, per variant served, since this client started ({@link
   * FlagSnapshot#exposures}).
   */
  public Map<String, Long> exposures(String flag) {
    return snapshot.exposures(flag);
  }

  /**
   * Evaluations of {@code flag} in this client since it started, kept across versions of the flag
   * ({@link FlagSnapshot#evaluations}); 0 for an unknown flag or one never evaluated: an unused
   * flag. With a {@link MeterRegistry}, also counter {@code rollgate.flags.flag.evaluations} (tag
   * {@code flag}).
   */
  public long evaluations(String flag) {
    return snapshot.evaluations(flag);
  }

  /**
   * Evaluates {@code flag} and says why, with the variant served on a multivariate flag and its
   * value ({@link FlagSnapshot#explainVariant}); counted as an evaluation and, with a variant, as
   * its exposure. Allocates the answer.
   */
  public FlagEvaluation explainVariant(String flag, EvaluationContext ctx) {
    evaluations.increment();
    return snapshot.explainVariant(flag, ctx);
  }

  /** The snapshot currently served. */
  public FlagSnapshot snapshot() {
    return snapshot;
  }

  /**
   * Milliseconds since the last successful full load (Redis or JDBC); before the first one, since
   * this client was built. Pushes keep single flags fresh but do not reset it.
   */
  public long snapshotAgeMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastLoadNanos);
  }

  /**
   * The most recent refresh failure, cleared when a full load from the primary source (Redis, or
   * JDBC when no Redis is configured) succeeds again.
   */
  public Optional<RefreshFailure> lastRefreshFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** Failed refresh attempts so far: failed Redis or JDBC loads and undecodable push messages. */
  public long refreshFailureCount() {
    return refreshFailures.sum();
  }

  /** Evaluations served by {@link #isEnabled} so far. */
  public long evaluationCount() {
    return evaluations.sum();
  }

  /**
   * Runs a full load now, on the calling thread (at most a few seconds when Redis is down).
   *
   * @return true when a source delivered the flags and the snapshot was replaced; false when every
   *     source failed, or the client is not started or already closed
   */
  public boolean refresh() {
    if (!started.get() || closed.get()) {
      return false;
    }
    List<FlagDefinition> loaded = null;
    if (redisUri != null) {
      try {
        loaded = loadFromRedis();
        lastFailure = null;
      } catch (RuntimeException e) {
        recordFailure("redis", e);
      }
    }
    if (loaded == null && jdbcUrl != null) {
      try {
        loaded = loadFromJdbc();
        if (redisUri == null) {
          lastFailure = null;
        }
      } catch (SQLException | RuntimeException e) {
        recordFailure("jdbc", e);
      }
    }
    if (loaded == null) {
      RefreshFailure failure = lastFailure;
      for (Listener listener : listeners) {
        notifyQuietly(() -> listener.refreshFailed(failure));
      }
      return false;
    }
    FlagSnapshot before;
    FlagSnapshot after;
    synchronized (swapLock) {
      before = snapshot;
      after = before.reconcile(loaded);
      snapshot = after;
    }
    lastLoadNanos = System.nanoTime();
    loadedOnce = true;
    snapshotSwapped(before, after);
    for (Listener listener : listeners) {
      notifyQuietly(listener::refreshSucceeded);
    }
    return true;
  }

  /** Whether {@link #start()} has been called. */
  public boolean isStarted() {
    return started.get();
  }

  /** Whether a full load (Redis or JDBC) has succeeded at least once, i.e. the first snapshot. */
  public boolean hasLoaded() {
    return loadedOnce;
  }

  /**
   * Adds a listener for snapshot changes and full-load outcomes. Listeners run on the thread that
   * changed the snapshot (the poller, a Redis I/O thread, or the caller of {@link #refresh()}),
   * after the swap, outside any lock; keep them short. Evaluation does not look at listeners.
   */
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener added with {@link #addListener}. */
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /**
   * Told about changes of the served snapshot and about full loads; every method has an empty
   * default. A listener that throws is logged and ignored.
   */
  public interface Listener {
    /**
     * The served snapshot was replaced ({@code before != after}): by a push, a deletion or a full
     * load. A full load that changed nothing still calls this; compare the snapshots.
     */
    default void snapshotChanged(FlagSnapshot before, FlagSnapshot after) {}

    /** A full load succeeded (after {@link #snapshotChanged}, when that was called). */
    default void refreshSucceeded() {}

    /**
     * Every source failed on a full load: the last snapshot (possibly empty) keeps being served.
     */
    default void refreshFailed(RefreshFailure failure) {}
  }

  private void snapshotSwapped(FlagSnapshot before, FlagSnapshot after) {
    if (before == after) {
      return;
    }
    registerExposureMeters(after);
    for (Listener listener : listeners) {
      notifyQuietly(() -> listener.snapshotChanged(before, after));
    }
  }

  private static void notifyQuietly(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("Rollgate flags: a listener failed: {}", oneLine(e));
    }
  }

  /**
   * Registers a {@code rollgate.flags.flag.evaluations} counter (tag {@code flag}) for every flag,
   * and a {@code rollgate.flags.exposures} counter (tags {@code flag}, {@code variant}) for every
   * variant of {@code after} not yet registered, reading the snapshot's own exposure counter (kept
   * across versions while the variant keeps its name). A removed variant's meter stays, its count
   * frozen, until {@link #close}.
   */
  private void registerExposureMeters(FlagSnapshot after) {
    if (meterRegistry == null) {
      return;
    }
    for (String flag : after.names()) {
      LongAdder evaluated = after.evaluationCounter(flag);
      if (evaluated != null && exposureMeters.add(flag)) {
        synchronized (meters) {
          meters.add(
              FunctionCounter.builder("rollgate.flags.flag.evaluations", evaluated, LongAdder::sum)
                  .description("evaluations of this flag; 0 everywhere: an unused flag")
                  .tag("flag", flag)
                  .register(meterRegistry));
        }
      }
      after
          .exposureCounters(flag)
          .forEach(
              (variant, counter) -> {
                if (exposureMeters.add(flag + "\u0000" + variant)) {
                  synchronized (meters) {
                    meters.add(
                        FunctionCounter.builder("rollgate.flags.exposures", counter, LongAdder::sum)
                            .description(
                                "evaluations that served this variant of a multivariate flag")
                            .tag("flag", flag)
                            .tag("variant", variant)
                            .register(meterRegistry));
                  }
                }
              });
    }
  }

  /** Stops the poller, closes the Redis connections and removes the meters. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    poller.shutdownNow();
    synchronized (connectLock) {
      closeQuietly(pubSub);
      closeQuietly(commands);
      pubSub = null;
      commands = null;
    }
    if (redisClient != null) {
      try {
        redisClient.shutdown(Duration.ZERO, REDIS_TIMEOUT);
      } catch (RuntimeException e) {
        log.debug("Rollgate flags: Redis client shutdown: {}", oneLine(e));
      }
    }
    if (clientResources != null) {
      clientResources.shutdown(0, REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (meterRegistry != null) {
      synchronized (meters) {
        meters.forEach(meterRegistry::remove);
        meters.clear();
        exposureMeters.clear();
      }
    }
  }

  // ---------------------------------------------------------------- loading

  private List<FlagDefinition> loadFromRedis() {
    ensureRedisConnected();
    StatefulRedisConnection<String, String> connection = commands;
    if (connection == null) {
      throw new IllegalStateException("not connected to Redis");
    }
    Map<String, String> hash = connection.sync().hgetall(FlagsRedisLayout.HASH_KEY);
    if (hash.isEmpty() && snapshot.size() > 0 && !allHeldFlagsDeleted(connection)) {
      throw new IllegalStateException(
          "Redis hash "
              + FlagsRedisLayout.HASH_KEY
              + " is empty (cold cache?); keeping "
              + snapshot.size()
              + " flags");
    }
    List<FlagDefinition> out = new ArrayList<>(hash.size());
    hash.forEach(
        (field, json) -> {
          FlagDefinition flag = decode(json, "Redis field " + field);
          if (flag != null && !flag.name().equals(field)) {
            log.warn(
                "Rollgate flags: skipping Redis field {}: it holds flag {}", field, flag.name());
          } else if (flag != null) {
            out.add(flag);
          }
        });
    return out;
  }

  /**
   * Whether Redis's tombstones cover every flag held, at its version or later: then an empty hash
   * means "every flag deleted" (for example while this client missed the pushes), not a cold cache.
   */
  private boolean allHeldFlagsDeleted(StatefulRedisConnection<String, String> connection) {
    Map<String, String> tombstones = connection.sync().hgetall(FlagsRedisLayout.DELETED_KEY);
    for (FlagDefinition held : snapshot.definitions()) {
      String deletedAt = tombstones.get(held.name());
      try {
        if (deletedAt == null || Long.parseLong(deletedAt.trim()) <= held.version()) {
          return false;
        }
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return true;
  }

  private List<FlagDefinition> loadFromJdbc() throws SQLException {
    Properties props = new Properties();
    if (jdbcUser != null) {
      props.setProperty("user", jdbcUser);
    }
    if (jdbcPassword != null) {
      props.setProperty("password", jdbcPassword);
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      props.setProperty("connectTimeout", String.valueOf(REDIS_TIMEOUT.toSeconds()));
      props.setProperty("loginTimeout", "5");
      props.setProperty("socketTimeout", String.valueOf(JDBC_QUERY_TIMEOUT_SECONDS));
      props.setProperty("ApplicationName", "rollgate-flags-client");
      props.setProperty("readOnly", "true");
    }
    List<FlagDefinition> out = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(jdbcUrl, props);
        PreparedStatement statement = connection.prepareStatement(JDBC_QUERY)) {
      statement.setQueryTimeout(JDBC_QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          FlagDefinition flag = decode(rs.getString(1), FlagsRedisLayout.PG_TABLE + " row");
          if (flag != null) {
            out.add(flag);
          }
        }
      }
    }
    return out;
  }

  private static FlagDefinition decode(String json, String where) {
    try {
      return FlagCodec.fromJson(json);
    } catch (IllegalArgumentException e) {
      log.warn("Rollgate flags: skipping {}: {}", where, e.getMessage());
      return null;
    }
  }

  // ---------------------------------------------------------------- push

  private void onMessage(String channel, String message) {
    if (!FlagsRedisLayout.CHANNEL.equals(channel) || closed.get()) {
      return;
    }
    Object decoded;
    try {
      decoded = FlagCodec.messageFromJson(message);
    } catch (IllegalArgumentException e) {
      recordFailure("push", e);
      return;
    }
    FlagSnapshot before;
    FlagSnapshot after;
    synchronized (swapLock) {
      FlagSnapshot current = snapshot;
      before = current;
      if (decoded instanceof FlagDeletion deletion) {
        FlagSnapshot next = current.without(deletion);
        if (next != current) {
          snapshot = next;
          log.debug(
              "Rollgate flags: dropped {} (deleted at v{})", deletion.name(), deletion.version());
        }
      } else if (decoded instanceof FlagDefinition flag) {
        FlagSnapshot next = current.withFlag(flag);
        if (next != current) {
          snapshot = next;
          log.debug("Rollgate flags: applied {} v{} from push", flag.name(), flag.version());
        }
      }
      after = snapshot;
    }
    snapshotSwapped(before, after);
  }

  private void ensureRedisConnected() {
    synchronized (connectLock) {
      if (closed.get()) {
        return;
      }
      if (pubSub == null) {
        StatefulRedisPubSubConnection<String, String> connection = redisClient.connectPubSub();
        try {
          connection.addListener(
              new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                  onMessage(channel, message);
                }
              });
          connection.sync().subscribe(FlagsRedisLayout.CHANNEL);
        } catch (RuntimeException e) {
          closeQuietly(connection);
          throw e;
        }
        pubSub = connection;
        log.info("Rollgate flags: subscribed to {} at {}", FlagsRedisLayout.CHANNEL, redisUri);
      }
      if (commands == null) {
        commands = redisClient.connect();
      }
    }
  }

  /** On every (re)connect after start, reload everything: pushes sent while down were lost. */
  private final class ReconnectListener implements RedisConnectionStateListener {
    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      if (!initialLoadAttempted || closed.get() || !resyncPending.compareAndSet(false, true)) {
        return;
      }
      try {
        poller.execute(
            () -> {
              resyncPending.set(false);
              pollQuietly();
            });
      } catch (RejectedExecutionException e) {
        resyncPending.set(false);
      }
    }
  }

  private void pollQuietly() {
    try {
      if (refresh()) {
        log.debug("Rollgate flags: refreshed, {} flags", snapshot.size());
      }
    } catch (RuntimeException e) {
      recordFailure("poll", e);
    }
  }

  // ---------------------------------------------------------------- failures, metrics

  private void recordFailure(String source, Exception e) {
    refreshFailures.increment();
    RefreshFailure previous = lastFailure;
    RefreshFailure failure = new RefreshFailure(source, oneLine(e), Instant.now());
    lastFailure = failure;
    boolean repeated =
        previous != null
            && previous.source().equals(source)
            && previous.message().equals(failure.message());
    if (closed.get()) {
      return;
    }
    if (repeated) {
      log.debug("Rollgate flags: {} refresh failed again: {}", source, failure.message());
    } else {
      log.warn(
          "Rollgate flags: {} refresh failed, serving the last snapshot ({} flags): {}",
          source,
          snapshot.size(),
          failure.message());
    }
  }

  private static String describe(RefreshFailure failure) {
    return failure == null ? "unknown" : failure.source() + ": " + failure.message();
  }

  /** Exception message plus its root cause's, on one line, without a stack trace. */
  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e);
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null) {
      String rootMessage = firstLine(root);
      if (!message.contains(rootMessage)) {
        message = message + " (" + rootMessage + ")";
      }
    }
    return message;
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage().strip();
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).replace('\r', ' ').strip();
  }

  private void registerMeters() {
    if (meterRegistry == null) {
      return;
    }
    meters.add(
        FunctionCounter.builder("rollgate.flags.evaluations", evaluations, LongAdder::sum)
            .description("Flag evaluations served from the local snapshot")
            .register(meterRegistry));
    meters.add(
        Gauge.builder("rollgate.flags.snapshot.age", this, c -> c.snapshotAgeMillis() / 1000.0)
            .description("Seconds since the flag snapshot was last fully loaded")
            .baseUnit("seconds")
            .register(meterRegistry));
    meters.add(
        FunctionCounter.builder("rollgate.flags.refresh.failures", refreshFailures, LongAdder::sum)
            .description("Failed flag refreshes (Redis or JDBC loads, undecodable pushes)")
            .register(meterRegistry));
    meters.add(
        Gauge.builder("rollgate.flags.count", this, c -> c.snapshot().size())
            .description("Flags in the local snapshot")
            .register(meterRegistry));
  }

  private static void closeQuietly(StatefulRedisConnection<?, ?> connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (RuntimeException e) {
        log.debug("Rollgate flags: closing Redis connection: {}", oneLine(e));
      }
    }
  }

  private static void closeQuietly(StatefulRedisPubSubConnection<?, ?> connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (RuntimeException e) {
        log.debug("Rollgate flags: closing Redis pub/sub connection: {}", oneLine(e));
      }
    }
  }

  /** Configures a {@link FlagsClient}. */
  public static final class Builder {
    private RedisURI redisUri;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private String jdbcUrl;
    private String jdbcUser;
    private String jdbcPassword;
    private MeterRegistry meterRegistry;

    private Builder() {}

    /**
     * Redis to read {@value FlagsRedisLayout#HASH_KEY} from and subscribe to {@value
     * FlagsRedisLayout#CHANNEL} on, for example {@code redis://localhost:6379} or {@code
     * rediss://:password@host:6380/0}.
     *
     * @throws IllegalArgumentException when the URI cannot be parsed
     */
    public Builder redisUri(String uri) {
      Objects.requireNonNull(uri, "redisUri");
      RedisURI parsed = RedisURI.create(uri);
      parsed.setTimeout(REDIS_TIMEOUT);
      this.redisUri = parsed;
      return this;
    }

    /** Interval of the safety-net full reload; default 30 s, at least 100 ms. */
    public Builder pollInterval(Duration interval) {
      Objects.requireNonNull(interval, "pollInterval");
      if (interval.toMillis() < 100) {
        throw new IllegalArgumentException("pollInterval must be at least 100 ms, was " + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Optional PostgreSQL fallback, read with {@code SELECT definition FROM rollgate_flag} when
     * Redis fails. The application provides the JDBC driver.
     */
    public Builder jdbc(String url, String user, String password) {
      Objects.requireNonNull(url, "jdbc url");
      this.jdbcUrl = url;
      this.jdbcUser = user;
      this.jdbcPassword = password;
      return this;
    }

    /** Optional registry for the {@code rollgate.flags.*} meters. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    /**
     * The client, not yet started.
     *
     * @throws IllegalStateException when neither Redis nor JDBC is configured
     */
    public FlagsClient build() {
      if (redisUri == null && jdbcUrl == null) {
        throw new IllegalStateException("configure redisUri(...) and/or jdbc(...)");
      }
      return new FlagsClient(this);
    }
  }
}
