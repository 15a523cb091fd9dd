package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.VaultSecrets;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * OpenBao/Vault as the worker's secret source when {@code rollgate.secrets.vault.address} is set:
 * the {@link VaultSecrets} bean (picked up by the backup configuration's {@code SecretSource}), the
 * {@code secrets} health component and the lease-expiry gauge.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecretsProperties.class)
@ConditionalOnProperty(prefix = "rollgate.secrets.vault", name = "address")
class SecretsConfiguration {

  @Bean(destroyMethod = "close")
  VaultSecrets vaultSecrets(SecretsProperties p, ObjectProvider<MeterRegistry> meters) {
    String token = p.token() != null && !p.token().isBlank() ? p.token() : read(p.tokenFile());
    String secretId =
        p.appRole().secretId() != null && !p.appRole().secretId().isBlank()
            ? p.appRole().secretId()
            : read(p.appRole().secretIdFile());
    return VaultSecrets.connect(
        new VaultSecrets.Settings(
            p.address(),
            token,
            p.appRole().roleId(),
            secretId,
            p.kvMount(),
            p.kvPrefix(),
            p.refresh(),
            p.databaseMount(),
            p.databaseRoles(),
            p.dynamicDatabases(),
            p.expiryThreshold()),
        meters.getIfAvailable());
  }

  private static String read(Path file) {
    if (file == null) {
      return null;
    }
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code secrets}: the server's state, the leases held and the earliest expiry. */
  @Bean
  AbstractHealthIndicator secretsHealthIndicator(VaultSecrets secrets) {
    return new AbstractHealthIndicator("secrets health check failed") {
      @Override
      protected void doHealthCheck(Health.Builder builder) {
        VaultSecrets.Status status = secrets.status();
        builder.withDetail("server", status.server());
        Instant earliest = status.earliestExpiry();
        builder.withDetail("earliestLeaseExpiry", earliest == null ? "none" : earliest.toString());
        builder.withDetail("leases", status.leases());
        builder.withDetail("draining", status.draining());
        builder.withDetail("databases", secrets.databases());
        if (status.lastError() != null) {
          builder.withDetail("lastError", status.lastError());
        }
        if (VaultSecrets.isUp(status)) {
          builder.up();
        } else {
          builder.down();
        }
      }
    };
  }
}
