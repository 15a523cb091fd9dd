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
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
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
@Import({FlagCacheReseeder.class, FlagOwners.class, TestTemporal.class})
class FlagAdminControllerTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class RealFlagStore {
    /** With {@code test.redis-down-at-start}, Redis is stopped before the publisher is made. */
    @Bean(destroyMethod = "close")
    TestInfra testInfra(@Value("${test.redis-down-at-start:false}") boolean redisDown)
        throws Exception {
      TestInfra infra = new TestInfra();
      if (redisDown) {
        infra.stopRedis();
      }
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

    /** The system clock, moved forward by {@link #shift} (stale-flag tests). */
    @Bean
    Clock clock() {
      return new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public java.time.Instant instant() {
          return Clock.systemUTC().instant().plus(SHIFT.get());
        }
      };
    }

    @Bean
    FlagStore flagStore(TestInfra infra, Clock clock) {
      return new FlagStore(infra.db, clock);
    }

    @Bean(destroyMethod = "close")
    FlagPublisher flagPublisher(RedisClient redisClient) {
      return new FlagPublisher(redisClient);
    }
  }

  /** How far the test clock is ahead of the system's; back to zero after each test using it. */
  static final java.util.concurrent.atomic.AtomicReference<Duration> SHIFT =
      new java.util.concurrent.atomic.AtomicReference<>(Duration.ZERO);

  @Autowired MockMvc mvc;
  @Autowired Clock clock;
  @Autowired TestInfra infra;
  @Autowired FlagStore store;
  @Autowired WorkflowServiceStubs temporal;

  @Value("${spring.temporal.namespace}")
  String namespace;

  /** A running rollout of {@code flag} (no worker needed: Temporal says RUNNING); stop it after. */
  WorkflowStub runningRollout(String flag) {
    return rollout(flag, Phase.HOLDING);
  }

  /** A running rollout of {@code flag} whose search attributes say {@code phase}. */
  WorkflowStub rollout(String flag, Phase phase) {
    WorkflowStub rollout =
        WorkflowClient.newInstance(
                temporal, WorkflowClientOptions.newBuilder().setNamespace(namespace).build())
            .newUntypedWorkflowStub(
                FlagRolloutWorkflow.TYPE,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(FlagRolloutWorkflow.workflowId(flag))
                    .setTaskQueue("no-worker")
                    .setTypedSearchAttributes(
                        SearchAttributes.newBuilder()
                            .set(RollgateSearchAttributes.PHASE, phase.name())
                            .build())
                    .build());
    rollout.start();
    return rollout;
  }

  @Test
  void aFlagOwnedByARunningRolloutIsRefusedButTheKillSwitchIsNot() throws Exception {
    putFlag("/api/flags/owned_flag", "{\"by\":\"alice\",\"percent\":1}").andExpect(status().isOk());
    WorkflowStub rollout = runningRollout("owned_flag");
    try {
      refused(
          putFlag("/api/flags/owned_flag", "{\"by\":\"bob\",\"percent\":50}"),
          409,
          "refused: rollout/owned_flag is running and owns flag 'owned_flag'; pause or abort it,"
              + " or change the flag through it (the kill switch, killed: true, is always"
              + " allowed)");
      assertThat(store.find("owned_flag").orElseThrow().rolloutBasisPoints()).isEqualTo(100);

      putFlag("/api/flags/owned_flag", "{\"by\":\"bob\",\"killed\":true}")
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.killed").value(true));
    } finally {
      rollout.terminate("test over");
    }
    // a rollout that has undone its changes and only finishes its audit no longer owns the flag
    WorkflowStub ending = rollout("owned_flag", Phase.ABORTED);
    try {
      putFlag("/api/flags/owned_flag", "{\"by\":\"bob\",\"killed\":false,\"percent\":2}")
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.warning").doesNotExist());
    } finally {
      ending.terminate("test over");
    }
    // once the rollout has ended the flag is anyone's again
    putFlag("/api/flags/owned_flag", "{\"by\":\"bob\",\"percent\":50}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.warning").doesNotExist());
  }

  /** The same worker with {@code rollgate.flags.owned-flag-policy=warn}. */
  @Nested
  @TestPropertySource(properties = "rollgate.flags.owned-flag-policy=warn")
  @Import(RealFlagStore.class)
  class UnderTheWarnPolicy {
    @Test
    void aChangeToAnOwnedFlagIsMadeWithAWarning() throws Exception {
      putFlag("/api/flags/warned_flag", "{\"by\":\"alice\",\"percent\":1}")
          .andExpect(status().isOk());
      WorkflowStub rollout = runningRollout("warned_flag");
      try {
        putFlag("/api/flags/warned_flag", "{\"by\":\"bob\",\"percent\":50}")
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.rolloutBasisPoints").value(5000))
            .andExpect(
                jsonPath("$.warning")
                    .value(
                        "rollout/warned_flag is running and owns this flag: it detects the"
                            + " change at its next check and its next step overwrites it"));
      } finally {
        rollout.terminate("test over");
      }
    }

    @Test
    void aDeletionOfAnOwnedFlagIsRefusedAllTheSame() throws Exception {
      putFlag("/api/flags/warned_delete", "{\"by\":\"alice\",\"percent\":1}")
          .andExpect(status().isOk());
      WorkflowStub rollout = runningRollout("warned_delete");
      try {
        refused(
            deleteFlag("/api/flags/warned_delete", "{\"by\":\"bob\",\"reason\":\"done\"}"),
            409,
            "refused: rollout/warned_delete is running and owns flag 'warned_delete'; abort it (or"
                + " let it finish) before deleting the flag");
      } finally {
        rollout.terminate("test over");
      }
      assertThat(store.find("warned_delete")).isPresent();
    }
  }

  /**
   * A worker whose Temporal has gone away: whether a rollout owns the flag cannot be told, so
   * nothing is deleted (503). Its own context (the property), closed after.
   */
  @Nested
  @TestPropertySource(properties = "test.context=temporal-down")
  @Import(RealFlagStore.class)
  @DirtiesContext
  class WhenTemporalCannotBeAsked {
    @Autowired TestTemporal.Server temporalServer;

    @Test
    void aDeletionIsRefusedWith503AndNothingIsDeleted() throws Exception {
      putFlag("/api/flags/unasked_flag", "{\"by\":\"alice\",\"percent\":1}")
          .andExpect(status().isOk());
      temporalServer.close();

      refused(
          deleteFlag("/api/flags/unasked_flag", "{\"by\":\"bob\",\"reason\":\"done\"}"),
          503,
          "Temporal cannot tell whether a rollout owns the flag (UNAVAILABLE): nothing was"
              + " deleted");
      assertThat(store.find("unasked_flag")).isPresent();
    }
  }

  @Test
  void deleteIsRefusedWhileARolloutOwnsTheFlagThenDeletesAuditsAndPublishes() throws Exception {
    putFlag("/api/flags/doomed_flag", "{\"by\":\"alice\",\"percent\":10}")
        .andExpect(status().isOk());
    WorkflowStub rollout = runningRollout("doomed_flag");
    try {
      refused(
          deleteFlag("/api/flags/doomed_flag", "{\"by\":\"bob\",\"reason\":\"cleanup\"}"),
          409,
          "refused: rollout/doomed_flag is running and owns flag 'doomed_flag'; abort it (or let"
              + " it finish) before deleting the flag");
      assertThat(store.find("doomed_flag")).isPresent();
      assertThat(redisVersion("doomed_flag")).isEqualTo(1);
    } finally {
      rollout.terminate("test over");
    }

    deleteFlag("/api/flags/doomed_flag", "{\"by\":\"bob\",\"reason\":\"cleanup\"}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.name").value("doomed_flag"))
        .andExpect(jsonPath("$.version").value(2))
        .andExpect(jsonPath("$.deleted").value(true))
        .andExpect(jsonPath("$.published").doesNotExist())
        .andExpect(jsonPath("$.warning").doesNotExist());

    assertThat(store.find("doomed_flag")).isEmpty();
    assertThat(redisVersion("doomed_flag")).as("gone from Redis's hash").isEqualTo(-1);
    assertThat(redisTombstone("doomed_flag")).isEqualTo("2");
    assertThat(
            infra
                .db
                .fetchOne(
                    "select actor || ' ' || details from rollgate_audit where action ="
                        + " 'flag-deleted' and details like 'doomed_flag %'")
                .get(0, String.class))
        .isEqualTo("bob doomed_flag v2: deleted at 10.0 % (cleanup)");
    mvc.perform(get("/api/flags/doomed_flag")).andExpect(status().isNotFound());
    refused(
        deleteFlag("/api/flags/doomed_flag", "{\"by\":\"bob\",\"reason\":\"again\"}"),
        404,
        "flag 'doomed_flag' does not exist");
  }

  @Test
  void deleteWhileRedisIsDownDeletesAndIsPublishedWhenRedisIsBack() throws Exception {
    putFlag("/api/flags/outage_delete", "{\"by\":\"alice\",\"percent\":5}")
        .andExpect(status().isOk());
    infra.stopRedis();
    try {
      deleteFlag("/api/flags/outage_delete", "{\"by\":\"bob\",\"reason\":\"gone\"}")
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.version").value(2))
          .andExpect(jsonPath("$.published").value(false))
          .andExpect(
              jsonPath("$.warning")
                  .value(
                      "deleted (version 2), but Redis is unreachable: clients drop the flag as"
                          + " soon as Redis is back"));
      assertThat(store.find("outage_delete")).isEmpty();
    } finally {
      infra.startRedis();
    }
    // the restarted Redis is empty; the reconnect reseed brings the tombstone back
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> "2".equals(redisTombstone("outage_delete")));
  }

  @Test
  void deleteNeedsAKnownFlagAByAndAReason() throws Exception {
    refused(
        deleteFlag("/api/flags/no_such_flag", "{\"by\":\"bob\",\"reason\":\"x\"}"),
        404,
        "flag 'no_such_flag' does not exist");
    putFlag("/api/flags/kept_flag", "{\"by\":\"alice\"}").andExpect(status().isOk());
    refused(
        mvc.perform(delete("/api/flags/kept_flag")),
        400,
        "'by' (who is deleting the flag) is required");
    refused(
        deleteFlag("/api/flags/kept_flag", "{\"by\":\"bob\"}"),
        400,
        "'reason' (why the flag is deleted) is required");
    refused(
        deleteFlag(
            "/api/flags/kept_flag", "{\"by\":\"bob\",\"reason\":\"" + "r".repeat(1001) + "\"}"),
        400,
        "'reason' is 1001 characters long, at most 1000 are accepted (\""
            + "r".repeat(40)
            + "…\")");
    refused(deleteFlag("/api/flags/bad name", "{}"), 400, null);
    assertThat(store.find("kept_flag")).isPresent();
  }

  private ResultActions deleteFlag(String path, String json) throws Exception {
    return mvc.perform(delete(path).contentType(MediaType.APPLICATION_JSON).content(json));
  }

  /** The deletion version Redis keeps for {@code flag}, or null. */
  private String redisTombstone(String flag) {
    RedisClient admin = RedisClient.create(infra.redisUri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      return c.sync().hget(FlagsRedisLayout.DELETED_KEY, flag);
    } finally {
      admin.shutdown();
    }
  }

  private ResultActions putFlag(String path, String json) throws Exception {
    return mvc.perform(put(path).contentType(MediaType.APPLICATION_JSON).content(json));
  }

  /** An error answer; {@code error} null: any one sentence. */
  private ResultActions refused(ResultActions result, int status, String error) throws Exception {
    return result
        .andExpect(status().is(status))
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(
            error == null ? jsonPath("$.error").isString() : jsonPath("$.error").value(error));
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
            + " semver_eq, semver_gt, semver_gte, semver_lt, semver_lte, num_eq, starts_with,"
            + " ends_with, contains, matches, in_cidr, date_before, date_after], with :i to ignore"
            + " case, ! before it to negate");

    refused(mvc.perform(get("/api/flags/semver_flag")), 404, "flag 'semver_flag' does not exist");
  }

  @Test
  void stringRegexCidrAndDateRulesAreStoredPublishedAndExplained() throws Exception {
    putFlag(
            "/api/flags/ops_flag",
            "{\"by\":\"alice\",\"percent\":100,\"rules\":[\"email ends_with:i @Example.com;"
                + " ip in_cidr 10.0.0.0/8,2001:db8::/32\",\"id matches ^user-[0-9]{1,6}$;"
                + " signup date_after 2026-01-01; email !ends_with @corp.com\"]}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.rules[0].conditions[0].op").value("ENDS_WITH"))
        .andExpect(jsonPath("$.rules[0].conditions[0].caseInsensitive").value(true))
        .andExpect(jsonPath("$.rules[0].conditions[1].values[1]").value("2001:db8::/32"))
        .andExpect(jsonPath("$.rules[1].conditions[0].values[0]").value("^user-[0-9]{1,6}$"))
        .andExpect(jsonPath("$.rules[1].conditions[1].caseInsensitive").doesNotExist())
        .andExpect(jsonPath("$.rules[1].conditions[1].negate").doesNotExist())
        .andExpect(jsonPath("$.rules[1].conditions[2].negate").value(true));
    assertThat(redisVersion("ops_flag")).isEqualTo(1);

    mvc.perform(
            post("/api/flags/ops_flag/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content(
                    "{\"user\":\"u1\",\"attributes\":{\"email\":\"a@EXAMPLE.COM\","
                        + "\"ip\":\"2001:db8::7\"}}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.enabled").value(true))
        .andExpect(jsonPath("$.reason").value("ROLLOUT"))
        .andExpect(jsonPath("$.rule").value(1))
        .andExpect(
            jsonPath("$.ruleText")
                .value("email ends_with:i @Example.com; ip in_cidr 10.0.0.0/8,2001:db8::/32"))
        .andExpect(jsonPath("$.explanation", startsWith("ON: rule 1 matched, bucket ")));
    mvc.perform(
            post("/api/flags/ops_flag/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content(
                    "{\"user\":\"user-12\",\"attributes\":{\"id\":\"user-12\","
                        + "\"signup\":\"2026-03-01T09:00:00+01:00\",\"email\":\"a@b.org\"}}"))
        .andExpect(jsonPath("$.enabled").value(true))
        .andExpect(jsonPath("$.rule").value(2))
        .andExpect(
            jsonPath("$.ruleText")
                .value(
                    "id matches ^user-[0-9]{1,6}$; signup date_after 2026-01-01;"
                        + " email !ends_with @corp.com"));
    mvc.perform(
            post("/api/flags/ops_flag/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content(
                    "{\"user\":\"user-12\",\"attributes\":{\"id\":\"user-12\","
                        + "\"signup\":\"2026-03-01T09:00:00+01:00\",\"email\":\"a@corp.com\"}}"))
        .andExpect(jsonPath("$.reason").value("NO_RULE_MATCHED"));
    mvc.perform(
            post("/api/flags/ops_flag/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"user\":\"u2\",\"attributes\":{\"ip\":\"11.0.0.1\"}}"))
        .andExpect(jsonPath("$.enabled").value(false))
        .andExpect(jsonPath("$.reason").value("NO_RULE_MATCHED"))
        .andExpect(jsonPath("$.rule").doesNotExist())
        .andExpect(jsonPath("$.explanation").value("OFF: no rule matched"));
  }

  @Test
  void unboundedRegexBadCidrBadDateAndCaseOnNumbersAreRefusedAndNothingIsWritten()
      throws Exception {
    refused(
        putFlag("/api/flags/bad_ops", "{\"by\":\"alice\",\"rules\":[\"id matches ^(a+)+$\"]}"),
        400,
        "rule 1: id matches '^(a+)+$' repeats a group that holds a quantifier (nested"
            + " quantifiers can backtrack without bound): quantify single characters or classes,"
            + " e.g. [ab]+ instead of (a|b)+");
    refused(
        putFlag("/api/flags/bad_ops", "{\"by\":\"alice\",\"rules\":[\"id matches (regex\"]}"),
        400,
        null);
    refused(
        putFlag(
            "/api/flags/bad_ops",
            "{\"by\":\"alice\",\"rules\":[\"ip in_cidr 10.0.0.0/8,127.invalid\"]}"),
        400,
        "rule 1: ip in_cidr '127.invalid' is not an IPv4 or IPv6 address or CIDR range (e.g."
            + " 10.0.0.0/8, 2001:db8::/32)");
    refused(
        putFlag(
            "/api/flags/bad_ops", "{\"by\":\"alice\",\"rules\":[\"d date_before 2026-02-30\"]}"),
        400,
        "rule 1: d date_before '2026-02-30' is not an ISO-8601 date-time with a zone"
            + " (2026-01-29T13:00:00Z, 2026-01-29T15:00:00+02:00) or a date (2026-01-29)");
    refused(
        putFlag("/api/flags/bad_ops", "{\"by\":\"alice\",\"rules\":[\"age gt:i 18\"]}"),
        400,
        "rule 1: age gt cannot ignore case: only eq, neq, in, not_in, starts_with, ends_with,"
            + " contains and matches compare text");

    refused(mvc.perform(get("/api/flags/bad_ops")), 404, "flag 'bad_ops' does not exist");
    assertThat(redisVersion("bad_ops")).isEqualTo(-1);
  }

  @Test
  void prerequisitesAreCheckedWhenDefinedEvaluatedWithTheirReasonAndKeepTheirFlagFromDeletion()
      throws Exception {
    putFlag("/api/flags/pre_api", "{\"by\":\"alice\",\"percent\":100}").andExpect(status().isOk());
    putFlag(
            "/api/flags/pre_checkout",
            "{\"by\":\"alice\",\"percent\":100,\"prerequisites\":[{\"flag\":\"pre_api\"}]}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.prerequisites[0].flag").value("pre_api"))
        .andExpect(jsonPath("$.prerequisites[0].on").value(true));

    refused(
        putFlag(
            "/api/flags/pre_api",
            "{\"by\":\"alice\",\"prerequisites\":[{\"flag\":\"pre_checkout\"}]}"),
        400,
        "prerequisites cannot form a cycle: pre_api -> pre_checkout -> pre_api");
    refused(
        putFlag(
            "/api/flags/pre_other",
            "{\"by\":\"alice\",\"prerequisites\":[{\"flag\":\"pre_missing\",\"on\":false}]}"),
        400,
        "prerequisite 'pre_missing' does not exist (define it first)");
    refused(mvc.perform(get("/api/flags/pre_other")), 404, "flag 'pre_other' does not exist");
    mvc.perform(get("/api/flags/pre_api"))
        .andExpect(jsonPath("$.version").value(1))
        .andExpect(jsonPath("$.prerequisites").doesNotExist());

    String user = "{\"user\":\"u1\"}";
    mvc.perform(
            post("/api/flags/pre_checkout/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content(user))
        .andExpect(jsonPath("$.enabled").value(true))
        .andExpect(jsonPath("$.reason").value("ROLLOUT"));
    putFlag("/api/flags/pre_api", "{\"by\":\"alice\",\"killed\":true}").andExpect(status().isOk());
    mvc.perform(
            post("/api/flags/pre_checkout/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content(user))
        .andExpect(jsonPath("$.enabled").value(false))
        .andExpect(jsonPath("$.reason").value("PREREQUISITE_FAILED"))
        .andExpect(jsonPath("$.prerequisite").value("pre_api"))
        .andExpect(
            jsonPath("$.explanation")
                .value("OFF: prerequisite pre_api did not give its required answer"));

    refused(
        mvc.perform(
            delete("/api/flags/pre_api")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"by\":\"bob\",\"reason\":\"gone\"}")),
        409,
        "flag 'pre_api' is a prerequisite of pre_checkout; remove it from their prerequisites"
            + " first");
    assertThat(store.find("pre_api")).isPresent();

    putFlag("/api/flags/pre_checkout", "{\"by\":\"alice\",\"prerequisites\":[]}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.prerequisites").doesNotExist());
    mvc.perform(
            delete("/api/flags/pre_api")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"by\":\"bob\",\"reason\":\"gone\"}"))
        .andExpect(status().isOk());
  }

  @Test
  void variantsAreValidatedStoredPublishedListedAndEvaluated() throws Exception {
    String variants =
        "\"variationType\":\"string\",\"offVariant\":\"grey\",\"variants\":["
            + "{\"name\":\"grey\",\"value\":\"#999\",\"weight\":0},"
            + "{\"name\":\"red\",\"value\":\"#f00\",\"weight\":25},"
            + "{\"name\":\"blue\",\"value\":\"#00f\",\"weight\":75}]";
    refused(
        putFlag(
            "/api/flags/var_color",
            "{\"by\":\"alice\"," + variants.replace("\"weight\":75", "\"weight\":70") + "}"),
        400,
        "variant weights sum to 95 %; they must sum to exactly 100 %");
    refused(
        putFlag(
            "/api/flags/var_color",
            "{\"by\":\"alice\"," + variants.replace("\"name\":\"blue\"", "\"name\":\"red\"") + "}"),
        400,
        "variant 'red' is defined twice");
    refused(
        putFlag(
            "/api/flags/var_color",
            "{\"by\":\"alice\","
                + variants.replace("\"offVariant\":\"grey\"", "\"offVariant\":\"black\"")
                + "}"),
        400,
        "off variant 'black' is not one of the flag's variants (variants: grey, red, blue)");
    refused(
        putFlag(
            "/api/flags/var_color",
            "{\"by\":\"alice\"," + variants.replace("\"string\"", "\"number\"") + "}"),
        400,
        "variant 'grey' has value \"#999\", which is not a number (the flag's variation type)");
    refused(mvc.perform(get("/api/flags/var_color")), 404, "flag 'var_color' does not exist");

    putFlag(
            "/api/flags/var_color",
            "{\"by\":\"alice\",\"percent\":100,\"rules\":[\"plan eq pro => red\",\"plan eq free\"],"
                + variants
                + "}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.variationType").value("STRING"))
        .andExpect(jsonPath("$.variants[1].name").value("red"))
        .andExpect(jsonPath("$.variants[1].weightBasisPoints").value(2500))
        .andExpect(jsonPath("$.rules[0].variant").value("red"));
    assertThat(redisVersion("var_color")).isEqualTo(1);
    mvc.perform(get("/api/flags"))
        .andExpect(jsonPath("$[?(@.name == 'var_color')].variants[2].value").value("#00f"));

    mvc.perform(
            post("/api/flags/var_color/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"user\":\"u1\",\"attributes\":{\"plan\":\"pro\"}}"))
        .andExpect(jsonPath("$.variant").value("red"))
        .andExpect(jsonPath("$.variantValue").value("#f00"))
        .andExpect(jsonPath("$.variantSource").value("rule"));
    int bucket = dev.rollgate.flags.Bucketing.bucket("var_color/variants", "u1");
    mvc.perform(
            post("/api/flags/var_color/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"user\":\"u1\",\"attributes\":{\"plan\":\"free\"}}"))
        .andExpect(jsonPath("$.variant").value(bucket < 2500 ? "red" : "blue"))
        .andExpect(jsonPath("$.variantSource").value("weight"))
        .andExpect(jsonPath("$.variantBucket").value(bucket));
    mvc.perform(
            post("/api/flags/var_color/evaluate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"user\":\"u1\",\"attributes\":{\"plan\":\"team\"}}"))
        .andExpect(jsonPath("$.variant").value("grey"))
        .andExpect(jsonPath("$.variantSource").value("off"));

    // a weight change keeps the other fields and moves buckets only from red to blue
    putFlag(
            "/api/flags/var_color",
            "{\"by\":\"bob\",\"variants\":[{\"name\":\"grey\",\"value\":\"#999\",\"weight\":0},"
                + "{\"name\":\"red\",\"value\":\"#f00\",\"weight\":10},"
                + "{\"name\":\"blue\",\"value\":\"#00f\",\"weight\":90}]}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.offVariant").value("grey"))
        .andExpect(jsonPath("$.variants[1].buckets[0]").value(0))
        .andExpect(jsonPath("$.variants[1].buckets[1]").value(1000))
        .andExpect(jsonPath("$.variants[2].buckets[0]").value(1000))
        .andExpect(jsonPath("$.variants[2].buckets[1]").value(10000));

    // back to a boolean flag: the rule naming a variant must go too
    refused(
        putFlag("/api/flags/var_color", "{\"by\":\"bob\",\"variationType\":null}"),
        400,
        "rule 1 serves variant 'red' but flag var_color has no variants");
    putFlag("/api/flags/var_color", "{\"by\":\"bob\",\"variationType\":null,\"rules\":[]}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.variants").doesNotExist())
        .andExpect(jsonPath("$.variationType").doesNotExist());
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
        mvc.perform(post("/api/flags/body_flag").contentType(MediaType.APPLICATION_JSON)),
        404,
        "the flag API has no POST /api/flags/body_flag");
    mvc.perform(get("/api/flags/body_flag"))
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.error", startsWith("flag 'body_flag'")));
  }

  /** The redis health indicator of the worker, without the rest of the actuator. */
  @TestConfiguration(proxyBeanMethods = false)
  @ComponentScan(
      basePackages = "dev.rollgate.worker.health",
      useDefaultFilters = false,
      includeFilters =
          @ComponentScan.Filter(type = FilterType.REGEX, pattern = ".*\\.RedisHealthIndicator"))
  static class RedisHealth {}

  /**
   * A worker whose context starts while Redis is down (issue 15 §5: the publisher connected in its
   * constructor, so the worker did not start): it starts, Redis's health is DOWN, flag changes are
   * saved and answered as pending, and once Redis is up they are published and health is UP.
   */
  @Nested
  @TestPropertySource(properties = "test.redis-down-at-start=true")
  @Import({RealFlagStore.class, RedisHealth.class})
  class WhenRedisIsDownAtStart {
    @Autowired FlagPublisher publisher;

    @Autowired
    @Qualifier("redis")
    HealthIndicator redisHealth;

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

  @Test
  void typeIsSetShownWithTheFlagsAgeAndStaleFlagsAreListedAndCounted() throws Exception {
    putFlag("/api/flags/ops_switch", "{\"by\":\"alice\",\"type\":\"operational\"}")
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.type").value("operational"));
    putFlag("/api/flags/perm_flag", "{\"by\":\"alice\",\"type\":\"permission\"}")
        .andExpect(status().isOk());
    mvc.perform(get("/api/flags/ops_switch"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.type").value("operational"))
        .andExpect(jsonPath("$.ageDays").value(0))
        .andExpect(jsonPath("$.lifetimeDays").value(7))
        .andExpect(jsonPath("$.stale").value(false));
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    new StaleFlagsMetric(store, clock, registry);
    SHIFT.set(Duration.ofDays(8));
    try {
      putFlag("/api/flags/ops_switch", "{\"by\":\"bob\",\"percent\":10}")
          .andExpect(status().isOk());
      mvc.perform(get("/api/flags").param("stale", ""))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$[?(@.name == 'ops_switch')].type").value("operational"))
          .andExpect(jsonPath("$[?(@.name == 'ops_switch')].ageDays").value(8))
          .andExpect(jsonPath("$[?(@.name == 'ops_switch')].lifetimeDays").value(7))
          .andExpect(jsonPath("$[?(@.name == 'ops_switch')].updatedBy").value("bob"))
          .andExpect(jsonPath("$[?(@.name == 'perm_flag')]").isEmpty());
      mvc.perform(get("/api/flags/ops_switch"))
          .andExpect(jsonPath("$.ageDays").value(8))
          .andExpect(jsonPath("$.stale").value(true));
      assertThat(registry.get("rollgate.flags.stale").tag("type", "operational").gauge().value())
          .isEqualTo(1.0);
      assertThat(registry.find("rollgate.flags.stale").tag("type", "permission").gauge())
          .as("a permanent type is never stale")
          .isNull();
    } finally {
      SHIFT.set(Duration.ZERO);
    }
  }

  @Test
  void anUnknownTypeIsRefusedAndNothingIsStored() throws Exception {
    refused(
        putFlag("/api/flags/typo_flag", "{\"by\":\"alice\",\"type\":\"temporary\"}"),
        400,
        "flag type 'temporary' does not exist; use one of release, experiment, operational,"
            + " kill-switch, permission");
    assertThat(store.find("typo_flag")).isEmpty();
  }
}
