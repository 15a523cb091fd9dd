package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.Redacted;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * OpenBao/Vault as the secret source ({@code rollgate.secrets.vault.*}); without an address the
 * secrets come from static configuration. The dev stack sets address and token file when it runs
 * OpenBao.
 *
 * @param address e.g. {@code http://127.0.0.1:8200}
 * @param token a token (dev), or empty for AppRole
 * @param tokenFile a file holding the token (the dev stack's root token file)
 * @param appRole AppRole login (production)
 * @param kvMount KV v2 mount [secret]
 * @param kvPrefix folder under it with Rollgate's secrets [rollgate]; {@code
 *     databases/orders/password} is key {@code password} of {@code
 *     secret/rollgate/databases/orders}
 * @param refresh how long a KV read is served from the cache [5m]
 * @param databaseMount the database secrets engine's mount [database]
 * @param dynamicDatabases target databases whose user and password come from the database engine
 *     (role {@code rollgate-<name>} unless {@code databaseRoles} names another)
 * @param databaseRoles target database → the engine's role
 * @param expiryThreshold renew (or rotate) a lease this long before it expires [60s]
 */
@ConfigurationProperties("rollgate.secrets.vault")
public record SecretsProperties(
    URI address,
    String token,
    Path tokenFile,
    @DefaultValue AppRole appRole,
    @DefaultValue("secret") String kvMount,
    @DefaultValue("rollgate") String kvPrefix,
    @DefaultValue("5m") Duration refresh,
    @DefaultValue("database") String databaseMount,
    List<String> dynamicDatabases,
    Map<String, String> databaseRoles,
    @DefaultValue("60s") Duration expiryThreshold) {

  /**
   * @param roleId the AppRole's role id
   * @param secretId its secret id
   * @param secretIdFile a file holding the secret id instead
   */
  public record AppRole(String roleId, String secretId, Path secretIdFile) {
    @Override
    public String toString() {
      return "AppRole[roleId="
          + roleId
          + ", secretId="
          + Redacted.secret(secretId)
          + ", secretIdFile="
          + secretIdFile
          + "]";
    }
  }

  @Override
  public String toString() {
    return "SecretsProperties[address="
        + address
        + ", token="
        + Redacted.secret(token)
        + ", tokenFile="
        + tokenFile
        + ", appRole="
        + appRole
        + ", kv="
        + kvMount
        + "/"
        + kvPrefix
        + ", refresh="
        + refresh
        + ", dynamicDatabases="
        + dynamicDatabases
        + "]";
  }
}
