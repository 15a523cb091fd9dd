package dev.rollgate.worker.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
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
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/**
 * The flag API's answers, in a web slice over the real flag store (embedded PostgreSQL) and the
 * real publisher (embedded Redis, stopped where a test needs Redis down). Every error is JSON with
 * one sentence under {@code error}.
 */
@WebMvcTest(
    controllers = FlagAdminController.class,
    properties = {
      "rollgate.flags.reseed-interval=1h",
      // no dev stack in a slice; these only satisfy the start-up check and are never connected to
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
class FlagAdminControllerTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class RealFlagStore {
    @Bean(destroyMethod = "close")
    TestInfra testInfra() throws Exception {
      return new TestInfra();
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
  @Autowired FlagStore store;

  private ResultActions putFlag(String path, String json) throws Exception {
    return mvc.perform(put(path).contentType(MediaType.APPLICATION_JSON).content(json));
  }

  private ResultActions refused(ResultActions result, int status, String error) throws Exception {
    return result
        .andExpect(status().is(status))
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.error").value(error));
  }

  /** The version of {@code flag} in Redis's hash, or -1. */
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
  void setPublishesTheNewVersionAndAnswersTheFlagWithoutWarning() throws Exception {
    putFlag("/api/flags/published_flag", "{\"by\":\"alice\",\"percent\":25}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.name").value("published_flag"))
        .andExpect(jsonPath("$.version").value(1))
        .andExpect(jsonPath("$.rolloutBasisPoints").value(2500))
        .andExpect(jsonPath("$.warning").doesNotExist())
        .andExpect(jsonPath("$.published").doesNotExist());

    assertThat(redisVersion("published_flag")).isEqualTo(1);
  }

  @Test
  void setWhileRedisIsDownCommitsAndAnswersOkWithAPendingPublicationWarning() throws Exception {
    putFlag("/api/flags/outage_flag", "{\"by\":\"alice\",\"percent\":5}")
        .andExpect(status().isOk());
    infra.stopRedis();
    try {
      putFlag("/api/flags/outage_flag", "{\"by\":\"bob\",\"percent\":50}")
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.version").value(2))
          .andExpect(jsonPath("$.rolloutBasisPoints").value(5000))
          .andExpect(jsonPath("$.published").value(false))
          .andExpect(
              jsonPath("$.warning")
                  .value(
                      "saved as version 2, but Redis is unreachable: publication to clients is"
                          + " pending and happens as soon as Redis is back"));
      assertThat(store.find("outage_flag").orElseThrow().version()).isEqualTo(2);
    } finally {
      infra.startRedis();
    }
    // the restarted Redis is empty; the reconnect reseed brings version 2 (the periodic one is 1 h)
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> redisVersion("outage_flag") == 2);
  }

  @Test
  void ruleOperandThatDoesNotFitItsOperatorIsRefusedAndNothingIsWritten() throws Exception {
    refused(
        putFlag(
            "/api/flags/semver_flag",
            "{\"by\":\"alice\",\"rules\":[\"country in DE,FR\",\"appVersion semver_gte 2.4\"]}"),
        400,
        "rule 2: appVersion semver_gte '2.4' is not a semantic version:"
            + " it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0");
    refused(
        putFlag("/api/flags/semver_flag", "{\"by\":\"alice\",\"rules\":[\"age gte eighteen\"]}"),
        400,
        "rule 1: age gte 'eighteen' is not a number");
    refused(
        putFlag(
            "/api/flags/semver_flag", "{\"by\":\"alice\",\"rules\":[\"plan eq pro; a gtt 1\"]}"),
        400,
        "rule 1: unknown operator 'gtt'; use one of [eq, neq, in, not_in, gt, gte, lt, lte,"
            + " semver_eq, semver_gt, semver_gte, semver_lt, semver_lte]");

    refused(mvc.perform(get("/api/flags/semver_flag")), 404, "flag 'semver_flag' does not exist");
  }

  @Test
  void allowListOverTheCapIsRefused() throws Exception {
    String users =
        IntStream.range(0, 1_001).mapToObj(i -> "\"u" + i + "\"").collect(Collectors.joining(","));

    refused(
        putFlag("/api/flags/big_flag", "{\"by\":\"alice\",\"allowUsers\":[" + users + "]}"),
        400,
        "allowUsers has 1001 user ids; the limit is 1000"
            + " (target larger groups with a rule on an attribute)");
  }

  @Test
  void percentagesFinerThanOneBasisPointAreRefusedNotRounded() throws Exception {
    refused(
        putFlag("/api/flags/precise_flag", "{\"by\":\"alice\",\"percent\":50.005}"),
        400,
        "percent 50.005 is finer than one basis point: use at most two decimals (0.01 %)");
    refused(
        putFlag("/api/flags/precise_flag", "{\"by\":\"alice\",\"percent\":\"0.001\"}"),
        400,
        "percent 0.001 is finer than one basis point: use at most two decimals (0.01 %)");
    refused(
        putFlag("/api/flags/precise_flag", "{\"by\":\"alice\",\"percent\":\"half\"}"),
        400,
        "percent \"half\" is not a number");
    assertThat(store.find("precise_flag")).isEmpty();

    putFlag("/api/flags/precise_flag", "{\"by\":\"alice\",\"percent\":50.01}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.rolloutBasisPoints").value(5001));
    putFlag("/api/flags/precise_flag", "{\"by\":\"alice\",\"percent\":12.50}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.rolloutBasisPoints").value(1250));
  }

  @Test
  void oversizedByOrReasonIsRefusedAndNothingIsWritten() throws Exception {
    refused(
        putFlag(
            "/api/flags/text_flag",
            "{\"by\":\"alice\",\"percent\":5,\"reason\":\"" + "r".repeat(1001) + "\"}"),
        400,
        "'reason' is 1001 characters long, at most 1000 are accepted (\""
            + "r".repeat(40)
            + "…\")");
    refused(
        putFlag("/api/flags/text_flag", "{\"by\":\"" + "b".repeat(101) + "\",\"percent\":5}"),
        400,
        "'by' is 101 characters long, at most 100 are accepted (\"" + "b".repeat(40) + "…\")");
    assertThat(store.find("text_flag")).isEmpty();

    putFlag(
            "/api/flags/text_flag",
            "{\"by\":\""
                + "b".repeat(100)
                + "\",\"percent\":5,\"reason\":\""
                + "r".repeat(1000)
                + "\"}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.updatedBy").value("b".repeat(100)));
  }

  @Test
  void emptyNamesGetTheFlagNameRuleNotNotFound() throws Exception {
    refused(mvc.perform(get("/api/flags/")), 400, "flag name is empty");
    refused(putFlag("/api/flags/", "{\"by\":\"alice\"}"), 400, "flag name is empty");
    refused(putFlag("/api/flags", "{\"by\":\"alice\"}"), 400, "flag name is empty");
    for (String path : new String[] {"/api/flags//evaluate", "/api/flags/evaluate"}) {
      refused(
          mvc.perform(post(URI.create(path)).contentType(MediaType.APPLICATION_JSON).content("{}")),
          400,
          "flag name is empty");
    }
  }

  @Test
  void pathLikeNamesGetTheFlagNameRule() throws Exception {
    String slash =
        "flag name may contain only letters, digits, '.', '_' and '-'; found '/' at position 2";
    refused(mvc.perform(get("/api/flags/a/b")), 400, slash);
    refused(mvc.perform(get(URI.create("/api/flags/a%2Fb"))), 400, slash);
    refused(putFlag("/api/flags/a/b", "{\"by\":\"alice\"}"), 400, slash);
    refused(
        mvc.perform(
            post("/api/flags/a/b/evaluate").contentType(MediaType.APPLICATION_JSON).content("{}")),
        400,
        slash);
    refused(
        mvc.perform(get("/api/flags/..")),
        400,
        "flag name must start with a letter or digit (A-Z, a-z, 0-9)");
  }

  @Test
  void badBodiesAndMethodsGetOneSentence() throws Exception {
    refused(
        putFlag("/api/flags/body_flag", "{not json"), 400, "the request body is not valid JSON");
    refused(putFlag("/api/flags/body_flag", "[1]"), 400, "the request body must be a JSON object");
    refused(
        putFlag("/api/flags/body_flag", "{\"percent\":5}"),
        400,
        "'by' (who is changing the flag) is required");
    refused(
        putFlag("/api/flags/body_flag", "{\"by\":\"a\",\"percent\":101}"),
        400,
        "percent 101 is outside 0-100");
    refused(
        putFlag("/api/flags/body_flag", "{\"by\":\"a\",\"allowUsers\":\"u1\"}"),
        400,
        "'allowUsers' must be a JSON array of strings");
    refused(
        mvc.perform(put("/api/flags/body_flag").contentType(MediaType.TEXT_PLAIN).content("x")),
        415,
        "send the request body as application/json");
    refused(
        mvc.perform(delete("/api/flags/body_flag")),
        404,
        "the flag API has no DELETE /api/flags/body_flag");
    mvc.perform(get("/api/flags/body_flag"))
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.error", startsWith("flag 'body_flag'")));
  }
}
