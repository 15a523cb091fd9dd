package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.activities.secrets.StaticSecrets;
import dev.rollgate.activities.secrets.VaultSecrets;
import dev.rollgate.worker.RollgateProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/** The worker's one {@link SecretSource}: every credential Rollgate uses is read through it. */
@Configuration(proxyBeanMethods = false)
public class SecretSourceConfiguration {

  /**
   * The worker's configuration first, then OpenBao/Vault (when {@code
   * rollgate.secrets.vault.address} is set) for what the configuration leaves empty, and for
   * dynamic database logins. Configured: {@code databases/<name>/password}, {@code
   * aws/access-key|secret-key} ({@code rollgate.aws.*}), {@code s3/access-key|secret-key} ({@code
   * rollgate.s3.*}), {@code prometheus/token|username|password} ({@code rollgate.prometheus.*}).
   * Primary: the {@code VaultSecrets} bean is a {@code SecretSource} too.
   */
  @Bean
  @Primary
  SecretSource secretSource(RollgateProperties properties, ObjectProvider<VaultSecrets> vault) {
    Map<String, String> secrets = new LinkedHashMap<>();
    databases(properties)
        .forEach((name, db) -> secrets.put("databases/" + name + "/password", db.password()));
    if (properties.aws() != null) {
      secrets.put("aws/access-key", properties.aws().accessKey());
      secrets.put("aws/secret-key", properties.aws().secretKey());
    }
    if (properties.s3() != null) {
      secrets.put("s3/access-key", properties.s3().accessKey());
      secrets.put("s3/secret-key", properties.s3().secretKey());
    }
    if (properties.prometheus() != null) {
      secrets.put("prometheus/token", properties.prometheus().token());
      secrets.put("prometheus/username", properties.prometheus().username());
      secrets.put("prometheus/password", properties.prometheus().password());
    }
    StaticSecrets configured = new StaticSecrets(secrets);
    VaultSecrets fromVault = vault.getIfAvailable();
    return fromVault == null ? configured : configured.orElse(fromVault);
  }

  private static Map<String, RollgateProperties.Database> databases(RollgateProperties p) {
    return p.databases() == null ? Map.of() : p.databases();
  }
}
