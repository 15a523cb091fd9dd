package dev.rollgate.worker.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.rollgate.activities.RedisConnections;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagsRedisLayout;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * A worker whose context starts while Redis is down (issue 15 §5: the publisher connected in its
 * constructor, so the worker did not start): it starts, Redis's health is DOWN, flag changes are
 * saved and answered as pending, and once Redis is up they are published and health is UP.
 */
@WebMvcTest(
    controllers = FlagAdminController.class,
    properties = {
      "rollgate.flags.reseed-interval=1h",
      "rollgate.dev.enabled=false",
      "spring.temporal.connection.target=127.0.0.1:1",
      "spring.temporal.namespace=unused",
      "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/unused",
      "rollgate.redis.url=redis://127.0.0.1:1",
      "rollgate.s3.endpoint=http://127.0.0.1:1",
      "rollgate.s3.region=unused",
      "rollgate.s3.bucket=unused",
      "rollgate.prometheus.url=http://127.0.0.1:1"
    })
@Import(FlagCacheReseeder.class)
class RedisDownAtStartTest {

  @TestConfiguration(proxyBeanMethods = false)
  @ComponentScan(
      basePackages = "dev.rollgate.worker.health",
      useDefaultFilters = false,
      includeFilters =
          @ComponentScan.Filter(type = FilterType.REGEX, pattern = ".*\\.RedisHealthIndicator"))
  static class RedisStoppedBeforeThePublisher {
    @Bean(destroyMethod = "close")
    TestInfra testInfra() throws Exception {
      TestInfra infra = new TestInfra();
      infra.stopRedis();
      return infra;
    }

    @Bean(destroyMethod = "shutdown")
    ClientResources redisResources() {
      return RedisConnections.resources();
    }

    @Bean(destroyMethod = "shutdown")
    RedisClient redisClient(TestInfra infra, ClientResources redisResources) {
      return RedisConnections.client(redisResources, infra.redisUri());
    }

    @Bean
    FlagStore flagStore(TestInfra infra) {
      return new FlagStore(infra.db, Clock.systemUTC());
    }

    @Bean(destroyMethod = "close")
    FlagPublisher flagPublisher(RedisClient redisClient) {
      return new FlagPublisher(redisClient);
    }
  }

  @Autowired MockMvc mvc;
  @Autowired TestInfra infra;
  @Autowired FlagPublisher publisher;

  @Autowired
  @Qualifier("redis")
  HealthIndicator redisHealth;

  private long redisVersion(String flag) {
    RedisClient admin = RedisClient.create(infra.redisUri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      String json = c.sync().hget(FlagsRedisLayout.HASH_KEY, flag);
      return json == null ? -1 : FlagCodec.fromJson(json).version();
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void startsWithRedisDownThenPublishesOnceRedisIsUp() throws Exception {
    assertThat(redisHealth.health().getStatus()).isEqualTo(Status.DOWN);
    assertThat(publisher.connected()).isFalse();
    mvc.perform(
            put("/api/flags/late_flag")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"by\":\"alice\",\"percent\":5}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.version").value(1))
        .andExpect(jsonPath("$.published").value(false));
    mvc.perform(
            put("/api/flags/late_flag")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"by\":\"alice\",\"percent\":7}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.version").value(2));

    infra.startRedis();
    // the periodic reseed is 1 h away: what publishes is the publisher's first connection
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> redisVersion("late_flag") == 2);
    assertThat(redisHealth.health().getStatus()).isEqualTo(Status.UP);

    mvc.perform(
            put("/api/flags/late_flag")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"by\":\"alice\",\"percent\":9}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.published").doesNotExist());
    assertThat(redisVersion("late_flag")).isEqualTo(3);
  }
}
