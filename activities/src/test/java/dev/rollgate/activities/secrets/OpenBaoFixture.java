package dev.rollgate.activities.secrets;

import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.databases.DatabaseRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;

/**
 * A real OpenBao for tests, started and configured by the same {@link OpenBaoBootstrap} code as the
 * dev stack, with its database engine pointed at an embedded PostgreSQL where every role but {@code
 * postgres} must log in with its password (so dynamic credentials are really checked).
 */
final class OpenBaoFixture implements AutoCloseable {
  final Path dir;
  final int port;
  final int clusterPort;
  final EmbeddedPostgres postgres;
  final OpenBaoBootstrap.AppRole appRole;
  final VaultTemplate root;
  private final Path bao;
  private Process process;

  OpenBaoFixture(List<String> databases, Duration ttl, Duration maxTtl) throws IOException {
    bao = RequiredTools.require(Tools.BAO);
    dir = Files.createTempDirectory("openbao-test");
    port = TestInfra.freePort();
    clusterPort = TestInfra.freePort();
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectoryCustomizer(OpenBaoFixture::passwordsRequired)
            .start();
    start();
    root = OpenBaoBootstrap.rootClient(endpoint(), dir);
    appRole =
        OpenBaoBootstrap.configure(
            root,
            new OpenBaoBootstrap.DatabaseBackend(
                "127.0.0.1", postgres.getPort(), "postgres", "unused", ttl, maxTtl),
            databases);
  }

  /** Every role but postgres (the admin the engine and zonky use) logs in with its password. */
  private static void passwordsRequired(File data) {
    try {
      Files.writeString(
          data.toPath().resolve("pg_hba.conf"),
          """
          host all postgres 127.0.0.1/32 trust
          host all postgres ::1/128 trust
          host all all 127.0.0.1/32 scram-sha-256
          host all all ::1/128 scram-sha-256
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the server (again, on the same port and storage) and unseals it. */
  void start() throws IOException {
    Path config = OpenBaoBootstrap.writeConfig(dir, "127.0.0.1", port, clusterPort);
    process =
        new ProcessBuilder(OpenBaoBootstrap.command(bao.toString(), config))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("openbao.log").toFile()))
            .start();
    await("OpenBao listening on " + port)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> listening(port));
    OpenBaoBootstrap.initAndUnseal(endpoint(), dir);
  }

  /** Stops the server (an outage); {@link #start()} brings it back with its data. */
  void stop() {
    process.destroy();
    await().atMost(Duration.ofSeconds(15)).until(() -> !process.isAlive());
  }

  /** A secret source logged in with Rollgate's AppRole (its policy applies), default settings. */
  VaultSecrets appRoleSecrets() {
    return appRoleSecrets(null, null, null);
  }

  /**
   * A secret source logged in with Rollgate's AppRole, with dynamic credentials for {@code
   * dynamicDatabases} renewed {@code expiryThreshold} before expiry (null: the defaults), and the
   * expiry gauge in {@code meters} (or none).
   */
  VaultSecrets appRoleSecrets(
      List<String> dynamicDatabases, Duration expiryThreshold, MeterRegistry meters) {
    return VaultSecrets.connect(
        new VaultSecrets.Settings(
            address(),
            null,
            appRole.roleId(),
            appRole.secretId(),
            null,
            null,
            null,
            null,
            null,
            dynamicDatabases,
            expiryThreshold),
        meters);
  }

  /**
   * A registry of database {@code name}: this fixture's PostgreSQL, credentials from {@code
   * source}.
   */
  DatabaseRegistry registry(String name, SecretSource source) {
    return new DatabaseRegistry(
        Map.of(name, new DatabaseRegistry.Settings(jdbcUrl(), "ignored")), source);
  }

  VaultEndpoint endpoint() {
    return VaultEndpoint.from(address());
  }

  URI address() {
    return URI.create("http://127.0.0.1:" + port);
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    if (process != null) {
      process.destroy();
    }
    postgres.close();
  }
}
