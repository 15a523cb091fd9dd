package dev.rollgate.worker;

import dev.rollgate.activities.secrets.Redacted;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Rollgate's own settings ({@code rollgate.*}); Temporal's live under {@code spring.temporal.*} and
 * PostgreSQL's under {@code spring.datasource.*}. See the README's configuration reference. Records
 * that carry credentials print them as {@code ***} ({@link Redacted}).
 */
@ConfigurationProperties("rollgate")
public record RollgateProperties(
    Redis redis,
    S3 s3,
    Prometheus prometheus,
    Dev dev,
    @DefaultValue Worker worker,
    @DefaultValue Aws aws,
    @DefaultValue Deploy deploy,
    Map<String, Database> databases,
    @DefaultValue Backup backup) {

  /**
   * A PostgreSQL database Rollgate backs up and restores ({@code rollgate.databases.<name>.*}).
   * From the environment: {@code ROLLGATE_DATABASES_ORDERS_URL}, {@code
   * ROLLGATE_DATABASES_ORDERS_USERNAME}, {@code ROLLGATE_DATABASES_ORDERS_PASSWORD} register {@code
   * orders} (Spring's relaxed binding lower-cases the name, so names registered through the
   * environment are lower case without '-'). The password goes through the worker's secret source.
   *
   * @param url e.g. {@code jdbc:postgresql://db:5432/orders}
   */
  public record Database(String url, String username, String password) {
    @Override
    public String toString() {
      return "Database[url="
          + Redacted.url(url)
          + ", username="
          + username
          + ", password="
          + Redacted.secret(password)
          + "]";
    }
  }

  /**
   * How backups stream into S3: memory is about {@code partSize × (partsInFlight + 1)}.
   *
   * @param partSize bytes per multipart part, at least 5MB [16MB]
   * @param partsInFlight parts uploading at once [2]
   */
  public record Backup(
      @DefaultValue("16MB") DataSize partSize, @DefaultValue("2") int partsInFlight) {}

  /** Redis holding the flag snapshot and the invalidation channel. */
  public record Redis(String url) {
    @Override
    public String toString() {
      return "Redis[url=" + Redacted.url(url) + "]";
    }
  }

  /**
   * Object storage for backups.
   *
   * @param serverSideEncryption whether backups ask S3 to encrypt them [true]; the dev stack's
   *     S3Proxy cannot, so the dev stack sets it to false
   */
  public record S3(
      URI endpoint,
      String region,
      String bucket,
      String accessKey,
      String secretKey,
      @DefaultValue("true") boolean serverSideEncryption) {
    @Override
    public String toString() {
      return "S3[endpoint="
          + Redacted.url(endpoint)
          + ", region="
          + region
          + ", bucket="
          + bucket
          + ", accessKey="
          + Redacted.secret(accessKey)
          + ", secretKey="
          + Redacted.secret(secretKey)
          + ", serverSideEncryption="
          + serverSideEncryption
          + "]";
    }
  }

  /**
   * The AWS API deployments drive (ALB weighted target groups, ECS services).
   *
   * @param endpoint the API endpoint, or empty for AWS itself (e.g. a local moto server)
   * @param region the region [us-east-1]
   * @param accessKey a static access key, or empty for the SDK's default credentials chain
   * @param secretKey its secret
   */
  public record Aws(
      URI endpoint, @DefaultValue("us-east-1") String region, String accessKey, String secretKey) {
    @Override
    public String toString() {
      return "Aws[endpoint="
          + Redacted.url(endpoint)
          + ", region="
          + region
          + ", accessKey="
          + Redacted.secret(accessKey)
          + ", secretKey="
          + Redacted.secret(secretKey)
          + "]";
    }
  }

  /**
   * Deployments ({@code rollgate.deploy.*}).
   *
   * @param allowedHosts the hosts a deployment may make this worker call (warm-up, load test, idle
   *     side health and smoke checks): names or addresses, {@code *.domain}, or {@code *}; anything
   *     else is refused at start [localhost, 127.0.0.1, ::1]
   */
  public record Deploy(
      @DefaultValue({"localhost", "127.0.0.1", "::1"}) List<String> allowedHosts) {}

  /**
   * Prometheus answering guardrail queries and canary analyses.
   *
   * @param url its HTTP API, e.g. {@code http://prometheus:9090}
   * @param token a bearer token (a Prometheus behind an authenticating proxy), or empty; OpenBao's
   *     {@code prometheus/token} wins when set
   * @param username basic-auth user (Prometheus' own {@code --web.config.file}), or empty
   * @param password its password
   */
  public record Prometheus(URI url, String token, String username, String password) {
    @Override
    public String toString() {
      return "Prometheus[url="
          + Redacted.url(url)
          + ", token="
          + Redacted.secret(token)
          + ", username="
          + username
          + ", password="
          + Redacted.secret(password)
          + "]";
    }
  }

  /**
   * The embedded dev stack, started when no production profile is active.
   *
   * @param enabled whether to start it (default: true unless the {@code prod} profile is active)
   * @param stateDir where every embedded server keeps its state
   * @param temporalCli path of the {@code temporal} CLI, or empty to search the PATH
   * @param prometheusBinary path of the {@code prometheus} binary, or empty to search the PATH
   * @param workerPort the worker's HTTP port, scraped by the dev stack's Prometheus
   * @param demoTarget host:port of the demo service (ops/demo), scraped by that Prometheus
   * @param deployDemoExporter host:port of the deployment demo's HAProxy exporter
   *     (ops/demo/deploy-demo.sh), scraped by that Prometheus as job {@code haproxy}, so the canary
   *     analysis's default metrics have data on the dev stack
   * @param baoBinary path of OpenBao's {@code bao}, or empty to search {@code ROLLGATE_BAO} and the
   *     PATH
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
      String demoTarget,
      String deployDemoExporter,
      String baoBinary) {}

  /**
   * How the Temporal worker on task queue {@code rollgate} takes work, tuned so that one small
   * worker keeps up with a burst of a thousand rollout starts (benchmarks/RESULTS.md, section 4).
   * Applied on top of {@code spring.temporal.*} by {@link WorkerTuningConfiguration}, so these win
   * where both set the same option. The SDK's own defaults are given in brackets.
   *
   * @param workflowCacheSize workflows kept in memory between their workflow tasks; a workflow that
   *     falls out must replay its whole history on its next task [600]. Size it above the number of
   *     rollouts running at once on this worker.
   * @param maxWorkflowThreads threads for cached workflows, one per running workflow that is not
   *     evicted; should be at least {@code workflowCacheSize} [600]
   * @param maxConcurrentWorkflowTasks workflow tasks executed at once [200]
   * @param maxConcurrentActivities activities executed at once [200]
   * @param workflowPollers pollers of workflow tasks
   * @param activityPollers pollers of activity tasks
   * @param stickyScheduleToStart how long a workflow task waits on this worker's sticky queue
   *     before the server hands it to any worker [5s]
   */
  public record Worker(
      @DefaultValue("2000") int workflowCacheSize,
      @DefaultValue("2000") int maxWorkflowThreads,
      @DefaultValue("200") int maxConcurrentWorkflowTasks,
      @DefaultValue("200") int maxConcurrentActivities,
      @DefaultValue Pollers workflowPollers,
      @DefaultValue Pollers activityPollers,
      @DefaultValue("5s") Duration stickyScheduleToStart) {

    public Worker {
      if (workflowCacheSize < 0) {
        throw new IllegalArgumentException("rollgate.worker.workflow-cache-size must be >= 0");
      }
      if (maxWorkflowThreads < 1 || maxConcurrentWorkflowTasks < 1 || maxConcurrentActivities < 1) {
        throw new IllegalArgumentException(
            "rollgate.worker.max-workflow-threads, max-concurrent-workflow-tasks and"
                + " max-concurrent-activities must be >= 1");
      }
      if (stickyScheduleToStart == null || !stickyScheduleToStart.isPositive()) {
        throw new IllegalArgumentException(
            "rollgate.worker.sticky-schedule-to-start must be a positive duration");
      }
    }
  }

  /**
   * Pollers of one kind of task.
   *
   * @param autoscaling let the SDK add and remove pollers between {@code minimum} and {@code
   *     maximum} as the server reports backlog ({@code PollerBehaviorAutoscaling}); when false,
   *     {@code maximum} pollers are kept open [false: 2 workflow, 5 activity pollers]
   * @param minimum fewest pollers when autoscaling
   * @param initial pollers at start when autoscaling
   * @param maximum most pollers when autoscaling, or the fixed number when not
   */
  public record Pollers(
      @DefaultValue("true") boolean autoscaling,
      @DefaultValue("1") int minimum,
      @DefaultValue("4") int initial,
      @DefaultValue("16") int maximum) {

    public Pollers {
      if (autoscaling && (minimum < 1 || initial < minimum || maximum < initial)) {
        throw new IllegalArgumentException(
            "rollgate.worker.*-pollers: need 1 <= minimum <= initial <= maximum when autoscaling,"
                + " got "
                + minimum
                + ", "
                + initial
                + ", "
                + maximum);
      }
      if (maximum < 2) {
        throw new IllegalArgumentException(
            "rollgate.worker.*-pollers.maximum must be >= 2, got " + maximum);
      }
    }
  }
}
