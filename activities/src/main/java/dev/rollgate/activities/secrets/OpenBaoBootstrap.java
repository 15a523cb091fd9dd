package dev.rollgate.activities.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultOperations;
import org.springframework.vault.core.VaultSysOperations;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.Policy;
import org.springframework.vault.support.VaultInitializationRequest;
import org.springframework.vault.support.VaultInitializationResponse;
import org.springframework.vault.support.VaultMount;

/**
 * Runs a real OpenBao for the dev stack and the tests, and gives it what Rollgate needs: KV v2 at
 * {@code secret/}, the transit key {@code rollgate}, the database engine pointed at a PostgreSQL
 * with one role per target database, and AppRole {@code rollgate} with the {@code rollgate} policy.
 *
 * <p>Not {@code bao server -dev}: that prints its root token on stdout, which is the child's log. A
 * server with integrated storage (one raft node) is initialised through the API instead, and its
 * root token and unseal key are kept only in 0600 files in its directory ({@link #ROOT_TOKEN},
 * {@link #UNSEAL_KEY}); a restart (or a new start on the same directory) unseals it with the kept
 * key. Everything is configured through spring-vault.
 */
public final class OpenBaoBootstrap {
  /** The file holding the root token (mode 0600). */
  public static final String ROOT_TOKEN = "root-token";

  /** The file holding the unseal key (mode 0600). */
  public static final String UNSEAL_KEY = "unseal-key";

  public static final String KV_MOUNT = "secret";
  public static final String TRANSIT_MOUNT = "transit";
  public static final String TRANSIT_KEY = "rollgate";
  public static final String DATABASE_MOUNT = "database";
  public static final String APPROLE = "rollgate";
  public static final String POLICY = "rollgate";

  /** What the database engine connects to, and how long the credentials it creates live. */
  public record DatabaseBackend(
      String host,
      int port,
      String adminUser,
      String adminPassword,
      Duration ttl,
      Duration maxTtl) {
    @Override
    public String toString() {
      return "DatabaseBackend[" + host + ":" + port + ", adminUser=" + adminUser + "]";
    }
  }

  /** AppRole credentials for Rollgate's worker. */
  public record AppRole(String roleId, String secretId) {
    @Override
    public String toString() {
      return "AppRole[roleId=" + roleId + ", secretId=" + Redacted.secret(secretId) + "]";
    }
  }

  private static final Duration ACTIVE_TIMEOUT = Duration.ofSeconds(60);

  private OpenBaoBootstrap() {}

  /**
   * The server's configuration file: integrated (raft) storage of one node in {@code dir/data},
   * plain HTTP on loopback at {@code port}, the cluster port (raft's own) at {@code clusterPort}.
   */
  public static Path writeConfig(Path dir, String host, int port, int clusterPort) {
    try {
      Files.createDirectories(dir.resolve("data"));
      Path config = dir.resolve("openbao.hcl");
      Files.writeString(
          config,
          """
          # written by Rollgate at every start
          storage "raft" {
            path    = "%s"
            node_id = "rollgate"
          }
          listener "tcp" {
            address         = "%s:%d"
            cluster_address = "%s:%d"
            tls_disable     = true
          }
          api_addr     = "http://%s:%d"
          cluster_addr = "http://%s:%d"
          """
              .formatted(
                  dir.resolve("data"),
                  host,
                  port,
                  host,
                  clusterPort,
                  host,
                  port,
                  host,
                  clusterPort));
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The command starting the server with {@code config}. */
  public static List<String> command(String bao, Path config) {
    return List.of(bao, "server", "-config=" + config, "-log-level=warn");
  }

  /**
   * Initialises the server once (one key share; root token and unseal key into 0600 files in {@code
   * dir}), and unseals it when sealed. Returns the root token.
   */
  public static String initAndUnseal(VaultEndpoint endpoint, Path dir) {
    VaultTemplate anonymous = new VaultTemplate(endpoint);
    VaultSysOperations sys = anonymous.opsForSys();
    Path tokenFile = dir.resolve(ROOT_TOKEN);
    Path keyFile = dir.resolve(UNSEAL_KEY);
    if (!sys.isInitialized()) {
      VaultInitializationResponse init = sys.initialize(VaultInitializationRequest.create(1, 1));
      writePrivate(keyFile, init.getKeys().getFirst());
      writePrivate(tokenFile, init.getRootToken().getToken());
    } else if (!Files.isRegularFile(tokenFile) || !Files.isRegularFile(keyFile)) {
      throw new IllegalStateException(
          "OpenBao at "
              + endpoint
              + " is initialised but "
              + dir
              + " has no root token and unseal key: another server is using its port, or"
              + " delete "
              + dir.resolve("data")
              + " to start afresh");
    }
    if (sys.getUnsealStatus().isSealed()) {
      sys.unseal(read(keyFile));
    }
    // the single raft node elects itself within a few seconds; until then it answers as standby
    long deadline = System.nanoTime() + ACTIVE_TIMEOUT.toNanos();
    while (!isActive(sys, anonymous)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "OpenBao at " + endpoint + " did not become active within " + ACTIVE_TIMEOUT);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for OpenBao", e);
      }
    }
    return read(tokenFile);
  }

  /** Unsealed and active (a single raft node is a standby until it elected itself). */
  private static boolean isActive(VaultSysOperations sys, VaultOperations vault) {
    try {
      Map<String, Object> health = health(vault);
      return Boolean.FALSE.equals(health.get("sealed"))
          && Boolean.FALSE.equals(health.get("standby"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * {@code sys/health} as a map, with status 200 whether sealed, standby or not initialised.
   * spring-vault's {@code opsForSys().health()} cannot read OpenBao's answer under Jackson 3 (a
   * field OpenBao leaves out maps to a primitive {@code boolean}).
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> health(VaultOperations vault) {
    return vault.doWithVault(
        rest ->
            (Map<String, Object>)
                rest.getForObject(
                    "sys/health?standbyok=false&standbycode=200&sealedcode=200&uninitcode=200",
                    Map.class));
  }

  /** A client authenticated with the root token kept in {@code dir}. */
  public static VaultTemplate rootClient(VaultEndpoint endpoint, Path dir) {
    return new VaultTemplate(endpoint, new TokenAuthentication(read(dir.resolve(ROOT_TOKEN))));
  }

  /**
   * Enables and configures the engines, the policy and the AppRole; idempotent, so it runs at every
   * start (the PostgreSQL port may have changed). {@code databases} are the target names that get a
   * role {@code rollgate-<name>} creating login roles with read access.
   */
  public static AppRole configure(
      VaultOperations root, DatabaseBackend backend, List<String> databases) {
    VaultSysOperations sys = root.opsForSys();
    Map<String, VaultMount> mounts = sys.getMounts();
    if (!mounts.containsKey(KV_MOUNT + "/")) {
      sys.mount(KV_MOUNT, VaultMount.builder().type("kv").options(Map.of("version", "2")).build());
    }
    if (!mounts.containsKey(TRANSIT_MOUNT + "/")) {
      sys.mount(TRANSIT_MOUNT, VaultMount.create("transit"));
    }
    if (!root.opsForTransit(TRANSIT_MOUNT).getKeys().contains(TRANSIT_KEY)) {
      root.opsForTransit(TRANSIT_MOUNT).createKey(TRANSIT_KEY);
    }
    if (!mounts.containsKey(DATABASE_MOUNT + "/")) {
      sys.mount(DATABASE_MOUNT, VaultMount.create("database"));
    }
    if (backend != null) {
      Map<String, Object> connection = new LinkedHashMap<>();
      connection.put("plugin_name", "postgresql-database-plugin");
      connection.put(
          "connection_url",
          "postgresql://{{username}}:{{password}}@"
              + backend.host()
              + ":"
              + backend.port()
              + "/postgres?sslmode=disable");
      connection.put("username", backend.adminUser());
      connection.put("password", backend.adminPassword());
      connection.put("allowed_roles", "*");
      root.write(DATABASE_MOUNT + "/config/rollgate", connection);
      for (String database : databases) {
        root.write(
            DATABASE_MOUNT + "/roles/" + databaseRole(database),
            Map.of(
                "db_name",
                "rollgate",
                "creation_statements",
                List.of(
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}'"
                        + " VALID UNTIL '{{expiration}}'",
                    "GRANT pg_read_all_data TO \"{{name}}\""),
                "default_ttl",
                backend.ttl().toSeconds(),
                "max_ttl",
                backend.maxTtl().toSeconds()));
      }
    }
    sys.createOrUpdatePolicy(
        POLICY,
        Policy.of(
            rule(KV_MOUNT + "/data/rollgate/*", "read"),
            rule(DATABASE_MOUNT + "/creds/*", "read"),
            rule(TRANSIT_MOUNT + "/datakey/plaintext/" + TRANSIT_KEY, "update"),
            rule(TRANSIT_MOUNT + "/decrypt/" + TRANSIT_KEY, "update"),
            // key rotation (KeyRotationActivitiesImpl): read, rotate, rewrap, raise the minimum
            rule(TRANSIT_MOUNT + "/keys/" + TRANSIT_KEY, "read"),
            rule(TRANSIT_MOUNT + "/keys/" + TRANSIT_KEY + "/rotate", "update"),
            rule(TRANSIT_MOUNT + "/keys/" + TRANSIT_KEY + "/config", "update"),
            rule(TRANSIT_MOUNT + "/rewrap/" + TRANSIT_KEY, "update"),
            rule("sys/leases/renew", "update"),
            rule("sys/leases/revoke", "update"),
            rule("sys/leases/lookup", "update")));
    if (!sys.getAuthMounts().containsKey("approle/")) {
      sys.authMount("approle", VaultMount.create("approle"));
    }
    root.write(
        "auth/approle/role/" + APPROLE,
        Map.of("token_policies", List.of(POLICY), "token_ttl", "1h", "token_max_ttl", "24h"));
    String roleId =
        (String)
            root.read("auth/approle/role/" + APPROLE + "/role-id").getRequiredData().get("role_id");
    String secretId =
        (String)
            root.write("auth/approle/role/" + APPROLE + "/secret-id", null)
                .getRequiredData()
                .get("secret_id");
    return new AppRole(roleId, secretId);
  }

  /** The database engine's role for target database {@code name}. */
  public static String databaseRole(String name) {
    return "rollgate-" + name;
  }

  private static Policy.Rule rule(String path, String capability) {
    return Policy.Rule.builder().path(path).capabilities(capability).build();
  }

  /** Writes {@code value} to a file only its owner may read (created 0600, never wider). */
  public static void writePrivate(Path file, String value) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
