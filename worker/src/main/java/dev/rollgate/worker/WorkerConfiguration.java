package dev.rollgate.worker;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.activities.RedisConnections;
import dev.rollgate.activities.audit.AuditActivitiesImpl;
import dev.rollgate.activities.backup.CheckedPartsSigning;
import dev.rollgate.activities.gate.PrometheusGuardrails;
import dev.rollgate.activities.rollout.FlagActivitiesImpl;
import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.activities.secrets.SecretCredentials;
import dev.rollgate.activities.secrets.SecretSource;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The clients activities need, and the activity beans the Temporal workers host. */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * After Flyway: beans reading tables at start (the backup gauges) find them on a fresh database.
   */
  @Bean
  @DependsOnDatabaseInitialization
  DSLContext dslContext(DataSource dataSource) {
    return DSL.using(dataSource, SQLDialect.POSTGRES);
  }

  @Bean(destroyMethod = "shutdown")
  ClientResources redisClientResources() {
    return RedisConnections.resources();
  }

  @Bean(destroyMethod = "shutdown")
  RedisClient redisClient(RollgateProperties properties, ClientResources redisClientResources) {
    return RedisConnections.client(redisClientResources, properties.redis().url());
  }

  /**
   * Lets encoded slashes and backslashes ({@code %2F}, {@code %5C}) through to Spring MVC instead
   * of Tomcat's bare HTML 400, so a path-like flag name in {@code /api/flags/{name}} gets the
   * flag-name rule's JSON answer. They stay encoded, so they never act as path separators.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashesReachTheApi() {
    String passThrough = EncodedSolidusHandling.PASS_THROUGH.getValue();
    return factory ->
        factory.addConnectorCustomizers(
            connector -> {
              connector.setEncodedSolidusHandling(passThrough);
              connector.setEncodedReverseSolidusHandling(passThrough);
            });
  }

  @Bean(destroyMethod = "close")
  S3Client s3Client(RollgateProperties properties, SecretSource secrets) {
    RollgateProperties.S3 s3 = properties.s3();
    // s3/access-key and s3/secret-key: rollgate.s3.*, else OpenBao, else the SDK's default chain
    SecretCredentials credentials = new SecretCredentials(secrets, "s3");
    // backup parts carry a CRC32C that S3 checks: not signed a second time over plain HTTP
    return CheckedPartsSigning.install(
            S3Client.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.of(s3.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create()))
        .build();
  }

  @Bean
  FlagStore flagStore(DSLContext db, Clock clock) {
    return new FlagStore(db, clock);
  }

  @Bean(destroyMethod = "close")
  FlagPublisher flagPublisher(RedisClient redis) {
    return new FlagPublisher(redis);
  }

  // ---- activity beans, registered on the workers by name in application.yaml ----

  @Bean
  AuditActivitiesImpl auditActivities(DSLContext db, MeterRegistry metrics) {
    return new AuditActivitiesImpl(db, metrics);
  }

  @Bean
  FlagActivitiesImpl flagActivities(
      FlagStore store, FlagPublisher publisher, MeterRegistry metrics) {
    return new FlagActivitiesImpl(store, publisher, metrics);
  }

  @Bean
  PrometheusClient prometheusClient(RollgateProperties properties, SecretSource secrets) {
    return new PrometheusClient(properties.prometheus().url(), secrets);
  }

  @Bean
  PrometheusGuardrails guardrailActivities(PrometheusClient prometheus, Clock clock) {
    return new PrometheusGuardrails(prometheus, clock);
  }
}
