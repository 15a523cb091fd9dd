package dev.rollgate.worker.backup;

import dev.rollgate.activities.Tools;
import dev.rollgate.activities.backup.BackupActivitiesImpl;
import dev.rollgate.activities.backup.BackupStore;
import dev.rollgate.activities.backup.RestoreActivitiesImpl;
import dev.rollgate.activities.backup.StreamingBackup;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.worker.RollgateProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Backups: the database registry ({@code rollgate.databases.*}, passwords through the {@link
 * SecretSource}), and the {@code backupActivities} and {@code restoreActivities} beans registered
 * on the worker in application.yaml.
 */
@Configuration(proxyBeanMethods = false)
class BackupConfiguration {

  @Bean
  DatabaseRegistry databaseRegistry(RollgateProperties properties, SecretSource secrets) {
    Map<String, DatabaseRegistry.Settings> settings = new LinkedHashMap<>();
    databases(properties)
        .forEach(
            (name, db) ->
                settings.put(name, new DatabaseRegistry.Settings(db.url(), db.username())));
    return new DatabaseRegistry(settings, secrets);
  }

  private static Map<String, RollgateProperties.Database> databases(RollgateProperties p) {
    return p.databases() == null ? Map.of() : p.databases();
  }

  @Bean
  BackupStore backupStore(DSLContext db) {
    return new BackupStore(db);
  }

  @Bean
  BackupActivitiesImpl backupActivities(
      DatabaseRegistry registry,
      BackupStore store,
      S3Client s3,
      RollgateProperties properties,
      Clock clock) {
    StreamingBackup.Settings settings =
        new StreamingBackup.Settings(
            properties.s3().bucket(),
            (int) properties.backup().partSize().toBytes(),
            properties.backup().partsInFlight(),
            properties.s3().serverSideEncryption());
    return new BackupActivitiesImpl(registry, store, s3, settings, Tools.PG_DUMP::require, clock);
  }

  @Bean
  RestoreActivitiesImpl restoreActivities(
      DatabaseRegistry registry,
      BackupStore store,
      S3Client s3,
      RollgateProperties properties,
      Clock clock,
      MeterRegistry metrics) {
    Path state =
        properties.dev() == null || properties.dev().stateDir() == null
            ? Path.of(".rollgate")
            : properties.dev().stateDir();
    return new RestoreActivitiesImpl(
        registry, store, s3, Tools.PG_RESTORE::require, state, clock, metrics);
  }
}
