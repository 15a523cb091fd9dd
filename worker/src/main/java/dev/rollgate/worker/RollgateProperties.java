package dev.rollgate.worker;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Rollgate's own settings ({@code rollgate.*}); Temporal's live under {@code spring.temporal.*} and
 * PostgreSQL's under {@code spring.datasource.*}. See the README's configuration reference.
 */
@ConfigurationProperties("rollgate")
public record RollgateProperties(Redis redis, S3 s3, Prometheus prometheus, Dev dev) {

  /** Redis holding the flag snapshot and the invalidation channel. */
  public record Redis(String url) {}

  /** Object storage for backups. */
  public record S3(
      URI endpoint, String region, String bucket, String accessKey, String secretKey) {}

  /** Prometheus answering guardrail queries. */
  public record Prometheus(URI url) {}

  /**
   * The embedded dev stack, started when no production profile is active.
   *
   * @param enabled whether to start it (default: true unless the {@code prod} profile is active)
   * @param stateDir where every embedded server keeps its state
   * @param temporalCli path of the {@code temporal} CLI, or empty to search the PATH
   * @param prometheusBinary path of the {@code prometheus} binary, or empty to search the PATH
   * @param workerPort the worker's HTTP port, scraped by the dev stack's Prometheus
   * @param demoTarget host:port of the demo service (ops/demo), scraped by that Prometheus
   */
  public record Dev(
      Boolean enabled,
      Path stateDir,
      String temporalCli,
      String prometheusBinary,
      int temporalPort,
      int temporalUiPort,
      int postgresPort,
      int redisPort,
      int s3Port,
      int prometheusPort,
      int workerPort,
      String demoTarget) {}
}
