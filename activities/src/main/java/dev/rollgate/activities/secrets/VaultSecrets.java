package dev.rollgate.activities.secrets;

import dev.rollgate.workflows.FailureType;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.vault.VaultException;
import org.springframework.vault.authentication.AppRoleAuthentication;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions;
import org.springframework.vault.authentication.ClientAuthentication;
import org.springframework.vault.authentication.LifecycleAwareSessionManager;
import org.springframework.vault.authentication.SessionManager;
import org.springframework.vault.authentication.SimpleSessionManager;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.RestTemplateBuilder;
import org.springframework.vault.client.VaultClients;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.client.VaultResponses;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.lease.SecretLeaseContainer;
import org.springframework.vault.core.lease.domain.Lease;
import org.springframework.vault.core.lease.domain.RequestedSecret;
import org.springframework.vault.core.lease.event.AfterSecretLeaseRenewedEvent;
import org.springframework.vault.core.lease.event.SecretLeaseCreatedEvent;
import org.springframework.vault.core.lease.event.SecretLeaseEvent;
import org.springframework.vault.core.lease.event.SecretLeaseExpiredEvent;
import org.springframework.vault.support.Versioned;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.ResourceAccessException;

/**
 * Secrets from OpenBao/Vault through spring-vault: KV v2 values (cached for {@code refresh}, served
 * stale with a warning while the server is unreachable) and the database engine's dynamic
 * credentials per target database, renewed and rotated by spring-vault's {@link
 * SecretLeaseContainer}. After a rotation new holders get the new credentials while the old ones
 * stay valid until their last holder released them; then their lease is revoked.
 */
public final class VaultSecrets implements SecretSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VaultSecrets.class);

  /** Name of the gauge: seconds until the earliest held lease expires. */
  public static final String EXPIRY_GAUGE = "rollgate.secrets.lease.expiry";

  /**
   * How to reach and use the server ({@code rollgate.secrets.vault.*}).
   *
   * @param address e.g. {@code http://127.0.0.1:8200}
   * @param token a token (the dev stack), or empty for AppRole
   * @param roleId AppRole role id
   * @param secretId AppRole secret id
   * @param kvMount the KV v2 mount [secret]
   * @param kvPrefix the folder under it holding Rollgate's secrets [rollgate]
   * @param refresh how long a KV read is served from the cache [5m]
   * @param databaseMount the database engine's mount [database]
   * @param databaseRoles target database → role; a database not listed uses {@code rollgate-<name>}
   *     when {@code dynamicDatabases} lists it
   * @param dynamicDatabases target databases whose credentials come from the database engine
   * @param expiryThreshold renew (or rotate) a lease this long before it expires [60s]
   */
  public record Settings(
      URI address,
      String token,
      String roleId,
      String secretId,
      String kvMount,
      String kvPrefix,
      Duration refresh,
      String databaseMount,
      Map<String, String> databaseRoles,
      List<String> dynamicDatabases,
      Duration expiryThreshold) {
    public Settings {
      kvMount = blank(kvMount) ? OpenBaoBootstrap.KV_MOUNT : kvMount;
      kvPrefix = kvPrefix == null ? "rollgate" : kvPrefix;
      refresh = refresh == null ? Duration.ofMinutes(5) : refresh;
      databaseMount = blank(databaseMount) ? OpenBaoBootstrap.DATABASE_MOUNT : databaseMount;
      databaseRoles = databaseRoles == null ? Map.of() : Map.copyOf(databaseRoles);
      dynamicDatabases = dynamicDatabases == null ? List.of() : List.copyOf(dynamicDatabases);
      expiryThreshold = expiryThreshold == null ? Duration.ofSeconds(60) : expiryThreshold;
    }

    @Override
    public String toString() {
      return "Settings[address="
          + address
          + ", token="
          + Redacted.secret(token)
          + ", roleId="
          + roleId
          + ", secretId="
          + Redacted.secret(secretId)
          + ", kv="
          + kvMount
          + "/"
          + kvPrefix
          + ", refresh="
          + refresh
          + ", databaseMount="
          + databaseMount
          + ", databaseRoles="
          + databaseRoles
          + ", dynamicDatabases="
          + dynamicDatabases
          + "]";
    }

    /** The first problem with these settings (one line naming the property), or null. */
    public String problem() {
      if (address == null || blank(address.toString())) {
        return "rollgate.secrets.vault.address is not set (e.g. http://127.0.0.1:8200)";
      }
      if (!"http".equals(address.getScheme()) && !"https".equals(address.getScheme())) {
        return "rollgate.secrets.vault.address must be an http(s):// URL, not '" + address + "'";
      }
      if (blank(token) && blank(roleId)) {
        return "rollgate.secrets.vault: set app-role.role-id and app-role.secret-id (or a token"
            + " for the dev stack)";
      }
      if (blank(token) && blank(secretId)) {
        return "rollgate.secrets.vault.app-role.secret-id is not set (role-id "
            + roleId
            + " needs it)";
      }
      return null;
    }

    /** The database engine's role for {@code database}, or null when it has no dynamic ones. */
    String roleFor(String database) {
      String role = databaseRoles.get(database);
      if (role != null) {
        return role;
      }
      return dynamicDatabases.contains(database) ? OpenBaoBootstrap.databaseRole(database) : null;
    }
  }

  /** A clear, one-line failure to get a secret. {@code permanent}: retrying will not help. */
  public static final class SecretsException extends RuntimeException {
    private final boolean permanent;

    SecretsException(String message, boolean permanent, Throwable cause) {
      super(message, cause);
      this.permanent = permanent;
    }

    public boolean permanent() {
      return permanent;
    }
  }

  /** What health shows. */
  public record Status(
      String server, Instant earliestExpiry, int leases, int draining, String lastError) {}

  private record Cached(Map<String, Object> data, Instant fetched) {}

  /** One set of dynamic credentials and who holds them. */
  private final class Generation {
    final String database;
    final String username;
    final String password;
    volatile Lease lease;
    volatile Instant expires;
    final AtomicInteger holders = new AtomicInteger();
    volatile boolean retired;

    /**
     * A renewal failed without an answer (server unreachable): the lease container dropped the
     * lease, so nothing renews it any more; the next login asks for new credentials.
     */
    volatile boolean dropped;

    /**
     * When new credentials were last asked for in place of dropped ones (at most once a second).
     */
    volatile Instant lastRequest;

    final AtomicBoolean revoked = new AtomicBoolean();

    Generation(String database, String username, String password, Lease lease) {
      this.database = database;
      this.username = username;
      this.password = password;
      this.lease = lease;
      this.expires = clock.instant().plus(lease.getLeaseDuration());
    }

    void release() {
      if (holders.decrementAndGet() == 0 && retired) {
        revoke(this);
      }
    }
  }

  private final class Login implements DatabaseLogin {
    private final Generation generation;
    private final AtomicBoolean closed = new AtomicBoolean();

    Login(Generation generation) {
      this.generation = generation;
    }

    @Override
    public String username() {
      return generation.username;
    }

    @Override
    public String password() {
      return generation.password;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        generation.release();
      }
    }

    @Override
    public String toString() {
      return "DatabaseLogin[username=" + generation.username + ", password=***]";
    }
  }

  private final Settings settings;
  private final VaultTemplate template;
  private final SecretLeaseContainer leases;
  private final ThreadPoolTaskScheduler scheduler;
  private final SessionManager sessions;
  private final Clock clock;
  private final Map<String, Cached> kv = new ConcurrentHashMap<>();
  private final Map<String, Boolean> staleWarned = new ConcurrentHashMap<>();

  /** requested path → database name. */
  private final Map<String, String> databaseOfPath = new ConcurrentHashMap<>();

  private final Map<String, RequestedSecret> requested = new ConcurrentHashMap<>();
  private final Map<String, Generation> current = new ConcurrentHashMap<>();
  private final List<Generation> draining = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, String> lastErrorOfPath = new ConcurrentHashMap<>();
  private volatile String lastError;

  private VaultSecrets(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    VaultEndpoint endpoint = VaultEndpoint.from(settings.address());
    this.scheduler = new ThreadPoolTaskScheduler();
    scheduler.setPoolSize(1);
    scheduler.setThreadNamePrefix("vault-leases-");
    scheduler.setDaemon(true);
    scheduler.initialize();
    ClientAuthentication auth;
    if (!blank(settings.token())) {
      auth = new TokenAuthentication(settings.token());
      sessions = new SimpleSessionManager(auth);
    } else {
      auth =
          new AppRoleAuthentication(
              AppRoleAuthenticationOptions.builder()
                  .roleId(AppRoleAuthenticationOptions.RoleId.provided(settings.roleId()))
                  .secretId(AppRoleAuthenticationOptions.SecretId.provided(settings.secretId()))
                  .build(),
              VaultClients.createRestTemplate(endpoint, new SimpleClientHttpRequestFactory()));
      sessions =
          new LifecycleAwareSessionManager(
              auth,
              scheduler,
              VaultClients.createRestTemplate(endpoint, new SimpleClientHttpRequestFactory()));
    }
    this.template =
        new VaultTemplate(
            RestTemplateBuilder.builder()
                .endpoint(endpoint)
                .requestFactory(new SimpleClientHttpRequestFactory()),
            sessions);
    this.leases = new SecretLeaseContainer(template, scheduler);
    leases.setExpiryThreshold(settings.expiryThreshold());
    leases.setMinRenewal(Duration.ofSeconds(1));
    leases.addLeaseListener(
        event -> {
          if (event instanceof SecretLeaseCreatedEvent created) {
            onCreated(created);
          } else if (event instanceof AfterSecretLeaseRenewedEvent renewed) {
            onRenewed(renewed);
          } else if (event instanceof SecretLeaseExpiredEvent expired) {
            onExpired(expired);
          }
        });
    leases.addErrorListener(this::onError);
    try {
      leases.afterPropertiesSet();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    leases.start();
  }

  /**
   * A source talking to the server in {@code settings}; an {@link IllegalArgumentException} naming
   * the property when they are incomplete. Nothing is read yet (the server may still be starting).
   */
  public static VaultSecrets connect(Settings settings, MeterRegistry meters) {
    String problem = settings.problem();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    VaultSecrets secrets = new VaultSecrets(settings, Clock.systemUTC());
    if (meters != null) {
      Gauge.builder(EXPIRY_GAUGE, secrets, VaultSecrets::secondsToEarliestExpiry)
          .description("seconds until the earliest OpenBao/Vault lease Rollgate holds expires")
          .baseUnit("seconds")
          .register(meters);
    }
    return secrets;
  }

  /**
   * The authenticated client (for the payload codec's {@link DataKeys}); the session is this
   * source's (token or AppRole).
   */
  public org.springframework.vault.core.VaultOperations operations() {
    return template;
  }

  // ------------------------------------------------------------------ KV v2

  @Override
  public Optional<String> secret(String reference) {
    int slash = reference.lastIndexOf('/');
    if (slash <= 0 || slash == reference.length() - 1) {
      throw new IllegalArgumentException(
          "secret reference '"
              + reference
              + "' must be <path>/<key>, e.g. databases/orders/password");
    }
    String path =
        (settings.kvPrefix().isEmpty() ? "" : settings.kvPrefix() + "/")
            + reference.substring(0, slash);
    String key = reference.substring(slash + 1);
    Map<String, Object> data = kvData(path);
    Object value = data == null ? null : data.get(key);
    return Optional.ofNullable(value).map(Object::toString);
  }

  private Map<String, Object> kvData(String path) {
    Cached cached = kv.get(path);
    if (cached != null && cached.fetched().plus(settings.refresh()).isAfter(clock.instant())) {
      return cached.data();
    }
    String where = settings.kvMount() + "/data/" + path;
    try {
      Versioned<Map<String, Object>> read =
          template.opsForVersionedKeyValue(settings.kvMount()).get(path);
      Map<String, Object> data =
          read == null || !read.hasData() ? Map.of() : Map.copyOf(read.getRequiredData());
      kv.put(path, new Cached(data, clock.instant()));
      if (staleWarned.remove(path) != null) {
        log.info("OpenBao: {} read again from {}", where, settings.address());
      }
      return data;
    } catch (RuntimeException e) {
      SecretsException clear = explain(e, "reading " + where);
      if (clear.permanent() || cached == null) {
        throw clear;
      }
      if (staleWarned.putIfAbsent(path, Boolean.TRUE) == null) {
        log.warn(
            "OpenBao: serving {} from the cache (read {} ago): {}",
            where,
            Duration.between(cached.fetched(), clock.instant()).withNanos(0),
            clear.getMessage());
      }
      return cached.data();
    }
  }

  // ------------------------------------------------------------------ dynamic database logins

  @Override
  public Optional<DatabaseLogin> databaseLogin(String database) {
    String role = settings.roleFor(database);
    if (role == null) {
      return Optional.empty();
    }
    String path = settings.databaseMount() + "/creds/" + role;
    for (int attempt = 0; ; attempt++) {
      Generation generation = current.get(database);
      if (generation != null && generation.dropped) {
        generation = replaceDropped(database, generation);
      }
      if (generation == null) {
        generation = obtain(database, path);
      }
      generation.holders.incrementAndGet();
      if (!generation.retired) {
        return Optional.of(new Login(generation));
      }
      // rotated between the lookup and the hold: take the new one
      generation.release();
      if (attempt > 3) {
        throw new SecretsException(
            "OpenBao: credentials of database '" + database + "' keep rotating", false, null);
      }
    }
  }

  private synchronized Generation obtain(String database, String path) {
    Generation existing = current.get(database);
    if (existing != null) {
      return existing;
    }
    databaseOfPath.put(path, database);
    lastErrorOfPath.remove(path);
    RequestedSecret secret = RequestedSecret.rotating(path);
    requested.put(database, secret);
    // reads the credentials at once; the listener stores them, the error listener says why not
    leases.addRequestedSecret(secret);
    Generation obtained = current.get(database);
    if (obtained == null) {
      String why = lastErrorOfPath.getOrDefault(path, "no credentials returned");
      throw new SecretsException(
          "OpenBao: no credentials for database '" + database + "' from " + path + ": " + why,
          !why.contains("unreachable"),
          null);
    }
    return obtained;
  }

  /**
   * Credentials whose lease renewal failed while the server was unreachable: new ones when the
   * server is back; meanwhile the old ones until their lease expires (work goes on), then none.
   */
  private synchronized Generation replaceDropped(String database, Generation generation) {
    if (current.get(database) != generation) {
      return current.get(database);
    }
    String path = requested.get(database).getPath();
    Instant now = clock.instant();
    if (generation.lastRequest == null || !now.isBefore(generation.lastRequest.plusSeconds(1))) {
      generation.lastRequest = now;
      RequestedSecret fresh = RequestedSecret.rotating(path);
      leases.addRequestedSecret(fresh); // reads at once; onCreated replaces the generation
      if (current.get(database) != generation) {
        requested.put(database, fresh);
        return current.get(database);
      }
    }
    if (now.isBefore(generation.expires)) {
      return generation;
    }
    current.remove(database, generation);
    retire(generation);
    throw new SecretsException(
        "OpenBao: the credentials of database '"
            + database
            + "' expired at "
            + generation.expires
            + " and no new ones could be read: "
            + lastErrorOfPath.getOrDefault(path, "no credentials returned"),
        false,
        null);
  }

  private void onCreated(SecretLeaseCreatedEvent event) {
    String database = databaseOfPath.get(event.getSource().getPath());
    if (database == null || event.getLease() == null) {
      return;
    }
    Object username = event.getSecrets().get("username");
    Object password = event.getSecrets().get("password");
    if (username == null || password == null) {
      return;
    }
    Generation fresh =
        new Generation(database, username.toString(), password.toString(), event.getLease());
    Generation previous = current.put(database, fresh);
    if (previous != null) {
      retire(previous);
      log.info(
          "OpenBao: database '{}' credentials rotated to {} ({} holder(s) of {} draining)",
          database,
          fresh.username,
          previous.holders.get(),
          previous.username);
    }
  }

  private void onRenewed(AfterSecretLeaseRenewedEvent event) {
    String database = databaseOfPath.get(event.getSource().getPath());
    Generation generation = database == null ? null : current.get(database);
    if (generation != null && event.getLease() != null) {
      generation.lease = event.getLease();
      generation.expires = clock.instant().plus(event.getLease().getLeaseDuration());
      log.debug("OpenBao: lease of database '{}' renewed until {}", database, generation.expires);
    }
  }

  private void onExpired(SecretLeaseExpiredEvent event) {
    String database = databaseOfPath.get(event.getSource().getPath());
    Generation generation = database == null ? null : current.get(database);
    if (generation != null
        && event.getLease() != null
        && generation.lease.getLeaseId() != null
        && generation.lease.getLeaseId().equals(event.getLease().getLeaseId())
        && current.remove(database, generation)) {
      retire(generation);
    }
  }

  private void onError(SecretLeaseEvent event, Exception exception) {
    String path = event.getSource().getPath();
    String what =
        event.getLease() != null && event.getLease().hasLeaseId()
            ? "renewing the lease of " + path
            : "reading " + path;
    String message = explain(exception, what).getMessage();
    lastErrorOfPath.put(path, message);
    lastError = clock.instant() + " " + message;
    if (event.getLease() != null
        && event.getLease().hasLeaseId()
        && find(exception, HttpStatusCodeException.class) == null) {
      // dropped by the container (no answer: nothing says the lease is gone); see replaceDropped
      for (Generation g : current.values()) {
        if (event.getLease().getLeaseId().equals(g.lease.getLeaseId())) {
          g.dropped = true;
        }
      }
    }
    log.warn("{}", message);
  }

  private void retire(Generation generation) {
    generation.retired = true;
    draining.add(generation);
    if (generation.holders.get() == 0) {
      revoke(generation);
    }
  }

  private void revoke(Generation generation) {
    if (!generation.revoked.compareAndSet(false, true)) {
      return;
    }
    draining.remove(generation);
    try {
      template.write(
          "sys/leases/revoke", Map.of("lease_id", generation.lease.getRequiredLeaseId()));
      log.info(
          "OpenBao: drained credentials {} of database '{}' revoked",
          generation.username,
          generation.database);
    } catch (RuntimeException e) {
      log.warn(
          "{}",
          explain(e, "revoking the drained credentials of database '" + generation.database + "'")
              .getMessage());
    }
  }

  // ------------------------------------------------------------------ health

  /** The server's state and the held leases. */
  public Status status() {
    String server;
    try {
      Map<String, Object> health = OpenBaoBootstrap.health(template);
      server =
          Boolean.FALSE.equals(health.get("initialized"))
              ? "not initialised"
              : Boolean.TRUE.equals(health.get("sealed"))
                  ? "sealed"
                  : Boolean.TRUE.equals(health.get("standby"))
                      ? "standby"
                      : "up (version " + health.get("version") + ")";
    } catch (RuntimeException e) {
      server = "unreachable: " + FailureType.rootMessage(e);
    }
    return new Status(server, earliestExpiry(), current.size(), draining.size(), lastError);
  }

  /** Whether the server answered and is unsealed. */
  public static boolean isUp(Status status) {
    return status.server().startsWith("up");
  }

  private Instant earliestExpiry() {
    List<Generation> held = new ArrayList<>(current.values());
    held.addAll(draining);
    return held.stream().map(g -> g.expires).min(Instant::compareTo).orElse(null);
  }

  private double secondsToEarliestExpiry() {
    Instant earliest = earliestExpiry();
    return earliest == null
        ? Double.NaN
        : Math.max(0, Duration.between(clock.instant(), earliest).toMillis() / 1000.0);
  }

  /** Per database: the current user and its lease expiry (health details; no passwords). */
  public Map<String, String> databases() {
    Map<String, String> out = new LinkedHashMap<>();
    current.forEach((db, g) -> out.put(db, g.username + " until " + g.expires));
    return out;
  }

  // ------------------------------------------------------------------ for tests and rotation

  /** spring-vault's lease container (tests force a renewal or a rotation through it). */
  SecretLeaseContainer leases() {
    return leases;
  }

  /** The container's handle for {@code database}'s credentials, once requested. */
  RequestedSecret requested(String database) {
    return requested.get(database);
  }

  /** The lease of {@code database}'s current credentials, or null. */
  Lease currentLease(String database) {
    Generation generation = current.get(database);
    return generation == null ? null : generation.lease;
  }

  /** Rotates {@code database}'s credentials now (new holders get new ones; old ones drain). */
  public void rotate(String database) {
    RequestedSecret secret = requested.get(database);
    if (secret == null) {
      throw new IllegalArgumentException("no credentials of database '" + database + "' held");
    }
    leases.rotate(secret);
  }

  /** A one-line explanation of a spring-vault failure. */
  static SecretsException explain(Throwable e, String what) {
    HttpStatusCodeException http = find(e, HttpStatusCodeException.class);
    if (http != null) {
      int status = http.getStatusCode().value();
      String detail = errors(http.getResponseBodyAsString());
      return switch (status) {
        case 403 ->
            new SecretsException(
                "OpenBao denied "
                    + what
                    + " (403 "
                    + detail
                    + "): the policy of Rollgate's token or AppRole does not allow it",
                true,
                e);
        case 400, 404 ->
            new SecretsException(
                "OpenBao refused " + what + " (" + status + " " + detail + ")", true, e);
        default ->
            new SecretsException(
                "OpenBao failed " + what + " (" + status + " " + detail + ")", false, e);
      };
    }
    if (find(e, ResourceAccessException.class) != null
        || find(e, java.io.IOException.class) != null) {
      return new SecretsException(
          "OpenBao is unreachable while " + what + ": " + FailureType.rootMessage(e), false, e);
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof VaultException && message.contains("Status 4")) {
      return new SecretsException("OpenBao refused " + what + ": " + message, true, e);
    }
    return new SecretsException("OpenBao failed " + what + ": " + message, false, e);
  }

  /**
   * OpenBao's error list in one line ("1 error occurred: * permission denied" → "permission
   * denied").
   */
  private static String errors(String body) {
    if (body == null || body.isBlank()) {
      return "no details";
    }
    String error = VaultResponses.getError(body);
    String oneLine =
        error
            .replaceAll("\\d+ errors? occurred:", "")
            .replaceAll("\\s*\\*\\s*", "; ")
            .replaceAll("\\s+", " ")
            .strip();
    return oneLine.startsWith(";") ? oneLine.substring(1).strip() : oneLine;
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  @Override
  public void close() {
    try {
      leases.destroy();
    } catch (Exception e) {
      log.debug("lease container: {}", e.toString());
    }
    if (sessions instanceof LifecycleAwareSessionManager lifecycle) {
      try {
        lifecycle.destroy();
      } catch (Exception e) {
        log.debug("session manager: {}", e.toString());
      }
    }
    scheduler.shutdown();
  }
}
