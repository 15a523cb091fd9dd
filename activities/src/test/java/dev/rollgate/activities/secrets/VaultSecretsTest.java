package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rollgate.activities.databases.DatabaseRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.vault.core.lease.event.AfterSecretLeaseRenewedEvent;
import org.springframework.vault.support.VaultTokenRequest;

/**
 * {@link VaultSecrets} against a real OpenBao ({@link OpenBaoFixture}) and a real PostgreSQL that
 * checks the dynamic users' passwords: KV reads cached and served stale during an outage, dynamic
 * credentials on a real connection, a renewal by spring-vault's lease container, a rotation during
 * a long query, and the bad-input cases each with one clear error. About 40 s on 2 cores, for a
 * reason: the fixture starts PostgreSQL and OpenBao (whose one raft node takes seconds to elect
 * itself), and the outage, renewal and rotation cases wait on real time (a 2 s cache, 6 s leases, a
 * 4 s query).
 */
class VaultSecretsTest {
  /** Short leases so a renewal comes within seconds: 6 s, renewed 4 s before expiry. */
  private static final Duration TTL = Duration.ofSeconds(6);

  private static final Duration THRESHOLD = Duration.ofSeconds(4);

  private static OpenBaoFixture bao;
  private VaultSecrets secrets;
  private ListAppender<ILoggingEvent> logs;
  private final Logger logger = (Logger) LoggerFactory.getLogger(VaultSecrets.class);

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of("shop"), TTL, Duration.ofMinutes(10));
  }

  @AfterAll
  static void stop() throws Exception {
    if (bao != null) {
      bao.close();
    }
  }

  @BeforeEach
  void listen() {
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void close() {
    logger.detachAppender(logs);
    if (secrets != null) {
      secrets.close();
    }
  }

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private VaultSecrets appRole(Duration refresh) {
    return VaultSecrets.connect(
        settings(
            bao.address(),
            null,
            bao.appRole.roleId(),
            bao.appRole.secretId(),
            refresh,
            null,
            List.of("shop")),
        meters);
  }

  /** Settings with the default mounts and a 4 s renewal threshold. */
  private static VaultSecrets.Settings settings(
      URI address,
      String token,
      String roleId,
      String secretId,
      Duration refresh,
      Map<String, String> roles,
      List<String> dynamic) {
    return new VaultSecrets.Settings(
        address, token, roleId, secretId, null, null, refresh, null, roles, dynamic, THRESHOLD);
  }

  private DatabaseRegistry registry(SecretSource source) {
    return new DatabaseRegistry(
        Map.of("shop", new DatabaseRegistry.Settings(bao.jdbcUrl(), "ignored")), source);
  }

  @Test
  void kvReadsAreCachedForTheRefreshIntervalAndServedStaleWhileTheServerIsDown() throws Exception {
    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/prometheus", Map.of("token", "first-token"));
    secrets = appRole(Duration.ofSeconds(2));
    assertThat(secrets.secret("prometheus/token")).contains("first-token");
    assertThat(secrets.secret("prometheus/missing")).isEmpty();
    assertThat(secrets.secret("databases/unknown/password")).as("a path never written").isEmpty();

    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/prometheus", Map.of("token", "second-token"));
    assertThat(secrets.secret("prometheus/token"))
        .as("within the refresh interval the cached value is served")
        .contains("first-token");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> secrets.secret("prometheus/token").orElseThrow().equals("second-token"));

    bao.stop();
    try {
      Thread.sleep(2_100); // past the refresh interval, so the next read asks the stopped server
      assertThat(secrets.secret("prometheus/token")).contains("second-token");
      assertThat(secrets.secret("prometheus/token")).contains("second-token");
      List<String> warnings =
          logs.list.stream()
              .filter(e -> e.getLevel() == Level.WARN)
              .map(ILoggingEvent::getFormattedMessage)
              .toList();
      assertThat(warnings)
          .singleElement()
          .asString()
          .contains("serving secret/data/rollgate/prometheus from the cache")
          .contains("unreachable");
      assertThat(secrets.status().server()).startsWith("unreachable");
      assertThatThrownBy(() -> secrets.secret("never/read"))
          .isInstanceOf(VaultSecrets.SecretsException.class)
          .hasMessageContaining("OpenBao is unreachable while reading secret/data/rollgate/never");
    } finally {
      bao.start();
    }
    assertThat(secrets.status().server()).startsWith("up");
  }

  @Test
  void dynamicCredentialsOpenARealConnectionAndAreRenewedByTheLeaseContainer() throws Exception {
    secrets = appRole(Duration.ofMinutes(5));
    DatabaseRegistry registry = registry(secrets);
    List<Instant> renewals = new CopyOnWriteArrayList<>();
    secrets
        .leases()
        .addLeaseListener(
            event -> {
              if (event instanceof AfterSecretLeaseRenewedEvent) {
                renewals.add(Instant.now());
              }
            });
    try (DatabaseRegistry.Held held = registry.hold("shop")) {
      DatabaseRegistry.Target target = held.target();
      assertThat(target.username()).startsWith("v-").isNotEqualTo("ignored");
      try (Connection c = target.open()) {
        assertThat(currentUser(c)).isEqualTo(target.username());
      }
      assertThatThrownBy(() -> connect(target.username(), "wrong-password"))
          .as("the server really checks the dynamic user's password")
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password authentication failed");

      Instant firstExpiry = secrets.status().earliestExpiry();
      assertThat(firstExpiry).isBetween(Instant.now(), Instant.now().plus(TTL));
      assertThat(meters.get(VaultSecrets.EXPIRY_GAUGE).gauge().value())
          .isGreaterThan(0)
          .isLessThanOrEqualTo(TTL.toSeconds());
      // 6 s leases renewed 4 s before expiry: renewed within ~2 s, again and again
      await().atMost(Duration.ofSeconds(15)).until(() -> renewals.size() >= 2);
      assertThat(secrets.status().earliestExpiry()).isAfter(firstExpiry);
      assertThat(currentUser(connect(target.username(), target.password())))
          .as("the same credentials still log in after the renewals")
          .isEqualTo(target.username());
    }
  }

  @Test
  void aRotationDuringALongQueryGivesNewCredentialsAndDrainsTheOldOnes() throws Exception {
    secrets = appRole(Duration.ofMinutes(5));
    DatabaseRegistry registry = registry(secrets);
    DatabaseRegistry.Held old = registry.hold("shop");
    Connection inFlight = old.target().open();
    CompletableFuture<String> longQuery =
        CompletableFuture.supplyAsync(
            () -> {
              try (Statement s = inFlight.createStatement();
                  ResultSet rs = s.executeQuery("select pg_sleep(4), current_user")) {
                rs.next();
                return rs.getString(2);
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });

    secrets.rotate("shop");
    DatabaseRegistry.Target fresh;
    try (DatabaseRegistry.Held now = registry.hold("shop")) {
      fresh = now.target();
      assertThat(fresh.username()).isNotEqualTo(old.target().username());
      try (Connection c = fresh.open()) {
        assertThat(currentUser(c)).isEqualTo(fresh.username());
      }
    }
    assertThat(secrets.status().draining()).isEqualTo(1);
    // the old credentials are not revoked while held: the long query and new logins go on
    assertThat(currentUser(connect(old.target().username(), old.target().password())))
        .isEqualTo(old.target().username());
    assertThat(longQuery.get()).isEqualTo(old.target().username());
    inFlight.close();

    old.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> connect(old.target().username(), old.target().password()))
                    .as("drained credentials are revoked")
                    .isInstanceOf(SQLException.class));
    assertThat(secrets.status().draining()).isZero();
  }

  @Test
  void aMissingAddressOrAppRoleIsOneLineNamingTheProperty() {
    assertThatThrownBy(
            () -> VaultSecrets.connect(settings(null, "t", null, null, null, null, null), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rollgate.secrets.vault.address is not set (e.g. http://127.0.0.1:8200)");
    assertThatThrownBy(
            () ->
                VaultSecrets.connect(
                    settings(
                        URI.create("http://127.0.0.1:1"), null, "role", null, null, null, null),
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rollgate.secrets.vault.app-role.secret-id is not set (role-id role needs it)");
  }

  @Test
  void aDatabaseWithoutARoleInOpenBaoIsRefusedNamingThePath() {
    secrets =
        VaultSecrets.connect(
            settings(
                bao.address(),
                null,
                bao.appRole.roleId(),
                bao.appRole.secretId(),
                null,
                Map.of("shop", "no-such-role"),
                null),
            null);
    assertThatThrownBy(() -> registry(secrets).hold("shop"))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo("REFUSED"))
        .satisfies(e -> assertThat(((ApplicationFailure) e).isNonRetryable()).isTrue())
        .hasMessageContaining(
            "OpenBao: no credentials for database 'shop' from database/creds/no-such-role:"
                + " OpenBao refused reading database/creds/no-such-role");
  }

  @Test
  void aPolicyThatDeniesIsA403NamingThePath() {
    String weak =
        bao.root
            .opsForToken()
            .create(VaultTokenRequest.builder().withPolicy("default").noParent().build())
            .getToken()
            .getToken();
    secrets =
        VaultSecrets.connect(
            settings(bao.address(), weak, null, null, null, null, List.of("shop")), null);
    assertThatThrownBy(() -> secrets.secret("prometheus/token"))
        .isInstanceOf(VaultSecrets.SecretsException.class)
        .hasMessageStartingWith(
            "OpenBao denied reading secret/data/rollgate/prometheus (403 permission denied)");
    assertThatThrownBy(() -> registry(secrets).hold("shop"))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("OpenBao denied reading database/creds/rollgate-shop (403");
  }

  @Test
  void aLeaseThatCannotBeRenewedIsOneWarningAndNewCredentials() throws Exception {
    secrets = appRole(Duration.ofMinutes(5));
    DatabaseRegistry registry = registry(secrets);
    String before = registry.target("shop").username();
    String leaseId = secrets.currentLease("shop").getRequiredLeaseId();
    bao.root.write("sys/leases/revoke", Map.of("lease_id", leaseId));

    secrets.leases().renew(secrets.requested("shop"));

    List<String> warnings =
        logs.list.stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(warnings)
        .singleElement()
        .asString()
        .startsWith("OpenBao refused renewing the lease of database/creds/rollgate-shop (400")
        .contains("lease not found");
    String after = registry.target("shop").username();
    assertThat(after).isNotEqualTo(before);
    assertThat(secrets.status().lastError()).contains("renewing the lease");
  }

  private static String currentUser(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select current_user")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Connection connect(String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    return DriverManager.getConnection(bao.jdbcUrl(), props);
  }
}
