package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.KeyRotationActivitiesImpl;
import dev.rollgate.activities.secrets.VaultSecrets;
import org.jooq.DSLContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Key rotations ({@code rollgate secrets rotate-key}): the {@code keyRotationActivities} bean
 * registered on the worker in application.yaml, talking to the OpenBao/Vault of {@code
 * rollgate.secrets.vault.*}. Without one the bean exists (the worker registers it either way) and
 * refuses every call in one line.
 */
@Configuration(proxyBeanMethods = false)
class KeyRotationConfiguration {
  @Bean
  KeyRotationActivitiesImpl keyRotationActivities(
      ObjectProvider<VaultSecrets> vault, DSLContext db) {
    VaultSecrets secrets = vault.getIfAvailable();
    return new KeyRotationActivitiesImpl(secrets == null ? null : secrets.operations(), db, null);
  }
}
