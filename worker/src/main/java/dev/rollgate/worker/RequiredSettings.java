package dev.rollgate.worker;

import java.util.List;
import java.util.Optional;
import org.springframework.core.env.Environment;

/**
 * Settings production cannot start without. In the dev stack they are filled in by the embedded
 * servers; in production a missing one stops start-up with one line naming it.
 */
public final class RequiredSettings {
  /** Property, and the environment variable that sets it. */
  record Setting(String property, String environmentVariable) {}

  static final List<Setting> PRODUCTION =
      List.of(
          new Setting("spring.temporal.connection.target", "ROLLGATE_TEMPORAL_ADDRESS"),
          new Setting("spring.temporal.namespace", "ROLLGATE_TEMPORAL_NAMESPACE"),
          new Setting("spring.datasource.url", "ROLLGATE_PG_URL"),
          new Setting("rollgate.redis.url", "ROLLGATE_REDIS_URL"),
          new Setting("rollgate.s3.endpoint", "ROLLGATE_S3_ENDPOINT"),
          new Setting("rollgate.s3.region", "ROLLGATE_S3_REGION"),
          new Setting("rollgate.s3.bucket", "ROLLGATE_S3_BUCKET"),
          new Setting("rollgate.prometheus.url", "ROLLGATE_PROMETHEUS_URL"));

  private RequiredSettings() {}

  /** The first missing setting, as the one line to print, or empty when all are set. */
  public static Optional<String> firstMissing(Environment env) {
    for (Setting s : PRODUCTION) {
      String value = env.getProperty(s.property());
      if (value == null || value.isBlank()) {
        return Optional.of(
            "rollgate: missing required setting "
                + s.property()
                + " (set "
                + s.environmentVariable()
                + ")");
      }
    }
    return Optional.empty();
  }
}
