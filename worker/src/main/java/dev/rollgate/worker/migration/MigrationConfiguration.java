package dev.rollgate.worker.migration;

import dev.rollgate.activities.backup.BackupStore;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.migration.MigrationActivitiesImpl;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Migrations: the {@code migrationActivities} bean registered on the worker in application.yaml.
 * Target databases come from the registry ({@code rollgate.databases.*}) the backups share; the
 * backup store tells contract which backups were verified.
 */
@Configuration(proxyBeanMethods = false)
class MigrationConfiguration {
  @Bean
  MigrationActivitiesImpl migrationActivities(DatabaseRegistry registry, BackupStore backups) {
    return new MigrationActivitiesImpl(registry, backups);
  }
}
