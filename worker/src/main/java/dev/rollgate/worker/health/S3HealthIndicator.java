package dev.rollgate.worker.health;

import dev.rollgate.worker.RollgateProperties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;

/** {@code s3} component of {@code /actuator/health}: the backup bucket answers HEAD. */
@Component("s3")
class S3HealthIndicator extends AbstractHealthIndicator {
  private final S3Client s3;
  private final String bucket;

  S3HealthIndicator(S3Client s3, RollgateProperties properties) {
    super("S3 health check failed");
    this.s3 = s3;
    this.bucket = properties.s3().bucket();
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    s3.headBucket(b -> b.bucket(bucket));
    builder.up().withDetail("bucket", bucket);
  }
}
