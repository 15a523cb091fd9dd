package dev.rollgate.worker.health;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** {@code redis} component of {@code /actuator/health}: a PING over a fresh connection. */
@Component("redis")
class RedisHealthIndicator extends AbstractHealthIndicator {
  private final RedisClient redis;

  RedisHealthIndicator(RedisClient redis) {
    super("Redis health check failed");
    this.redis = redis;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      builder.up().withDetail("ping", connection.sync().ping());
    }
  }
}
