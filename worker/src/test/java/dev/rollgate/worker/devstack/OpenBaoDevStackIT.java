package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.OpenBaoBootstrap;
import dev.rollgate.activities.secrets.VaultSecrets;
import dev.rollgate.worker.RollgateProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;
import org.springframework.vault.client.VaultEndpoint;

/**
 * The dev stack's OpenBao: started when {@code bao} is installed, supervised (killed, it is
 * restarted and unsealed again with its data), its root token only in a 0600 file and in no log,
 * and configured so that Rollgate's {@link VaultSecrets} reads KV and gets dynamic credentials for
 * the embedded PostgreSQL. Over 30 s for a reason: a whole dev stack starts, and the killed OpenBao
 * is restarted after the supervisor's backoff and elects itself again before it unseals.
 */
class OpenBaoDevStackIT {
  private DevStack stack;
  private VaultSecrets secrets;

  @AfterEach
  void stop() {
    if (secrets != null) {
      secrets.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void openBaoRunsSupervisedWithItsRootTokenOnlyInAPrivateFile() throws Exception {
    Path bao = RequiredTools.require(Tools.BAO);
    Path state = Path.of("target/dev-stack-openbao").toAbsolutePath();
    FileSystemUtils.deleteRecursively(state);
    RollgateProperties.Dev d = DevStackMain.settings(state, 0, 0);
    stack =
        DevStack.start(
            new RollgateProperties.Dev(
                true,
                state,
                d.temporalCli(),
                d.prometheusBinary(),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                d.demoTarget(),
                d.deployDemoExporter(),
                bao.toString()));
    String address = (String) stack.properties().get("rollgate.secrets.vault.address");
    Path tokenFile = Path.of((String) stack.properties().get("rollgate.secrets.vault.token-file"));
    assertThat(address).startsWith("http://127.0.0.1:");
    assertThat(stack.children()).anyMatch(c -> c.name().equals("openbao") && c.up());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
        .isEqualTo("rw-------");
    String rootToken = Files.readString(tokenFile).trim();
    assertThat(Files.readString(state.resolve("logs/openbao.log"))).doesNotContain(rootToken);
    assertThat(stack.properties().toString()).doesNotContain(rootToken);

    VaultEndpoint endpoint = VaultEndpoint.from(URI.create(address));
    OpenBaoBootstrap.rootClient(endpoint, state.resolve("openbao"))
        .opsForVersionedKeyValue("secret")
        .put("rollgate/prometheus", Map.of("token", "dev-token"));
    secrets =
        VaultSecrets.connect(
            new VaultSecrets.Settings(
                URI.create(address),
                rootToken,
                null,
                null,
                null,
                null,
                Duration.ofMillis(1),
                null,
                null,
                List.of("rollgate"),
                null),
            null);
    assertThat(secrets.secret("prometheus/token")).contains("dev-token");
    DatabaseRegistry registry =
        new DatabaseRegistry(
            Map.of(
                "rollgate",
                new DatabaseRegistry.Settings(
                    (String) stack.properties().get("spring.datasource.url"), "unused")),
            secrets);
    try (DatabaseRegistry.Held held = registry.hold("rollgate");
        Connection c = held.target().open();
        ResultSet rs = c.createStatement().executeQuery("select current_user")) {
      rs.next();
      assertThat(rs.getString(1)).startsWith("v-").isEqualTo(held.target().username());
    }

    long pid =
        stack.children().stream()
            .filter(c -> c.name().equals("openbao"))
            .findFirst()
            .orElseThrow()
            .pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(stack.children())
                  .anyMatch(c -> c.name().equals("openbao") && c.up() && c.restarts() == 1);
              assertThat(secrets.status().server()).startsWith("up");
            });
    assertThat(secrets.secret("prometheus/token"))
        .as("unsealed again with its data")
        .contains("dev-token");
    assertThat(Files.readString(state.resolve("logs/openbao.log"))).doesNotContain(rootToken);
  }
}
