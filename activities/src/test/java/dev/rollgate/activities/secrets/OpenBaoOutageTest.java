package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.activities.databases.DatabaseRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OpenBao stopped mid-run (issue 17's guarantee): workflows whose payloads are sealed with a cached
 * data key and whose activity logs in with cached dynamic credentials keep working while the server
 * is down, past a failed renewal, until the lease expires; health's status and the gauge {@code
 * rollgate_secrets_lease_expiry_seconds} say so; work started after the expiry waits (retried) and
 * finishes with new credentials once the server is back, and every result stays decodable. Long
 * (~50 s) for a reason: the lease is real time (20 s, renewed 5 s before expiry) and must run out
 * while the server is down.
 */
class OpenBaoOutageTest {
  private static final Duration TTL = Duration.ofSeconds(20);
  private static final Duration THRESHOLD = Duration.ofSeconds(5);
  private static final String QUEUE = "openbao-outage";
  private static final String SECRET = "payload-secret-31337";

  @WorkflowInterface
  public interface UseDatabase {
    @WorkflowMethod
    String run(String secret);
  }

  @ActivityInterface
  public interface CurrentUser {
    String currentUser();
  }

  public static class UseDatabaseImpl implements UseDatabase {
    private final CurrentUser activity =
        Workflow.newActivityStub(
            CurrentUser.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(20))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(1)
                        .build())
                .build());

    @Override
    public String run(String secret) {
      return activity.currentUser() + " " + secret.length();
    }
  }

  static class CurrentUserImpl implements CurrentUser {
    @Override
    public String currentUser() {
      try (DatabaseRegistry.Held held = registry.hold("shop");
          Connection c = held.target().open();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select current_user")) {
        rs.next();
        return rs.getString(1);
      } catch (SQLException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }

  private static OpenBaoFixture bao;
  private static VaultSecrets secrets;
  private static DatabaseRegistry registry;
  private static TestWorkflowEnvironment env;
  private static DataSource data;
  private static final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of("shop"), TTL, Duration.ofMinutes(10));
    data = bao.postgres.getPostgresDatabase();
    Flyway.configure().dataSource(data).load().migrate();
    secrets = bao.appRoleSecrets(List.of("shop"), THRESHOLD, meters);
    registry = bao.registry("shop", secrets);
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(false)
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder().setDataConverter(converter()).build())
                .build());
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(UseDatabaseImpl.class);
    worker.registerActivitiesImplementations(new CurrentUserImpl());
    env.start();
  }

  /** A converter sealing payloads with data keys from OpenBao (a fresh codec: empty key cache). */
  private static CodecDataConverter converter() {
    return new CodecDataConverter(
        DefaultDataConverter.STANDARD_INSTANCE,
        List.of(
            new EncryptingCodec(
                new DataKeys(secrets.operations(), DSL.using(data, SQLDialect.POSTGRES)))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (env != null) {
      env.close();
    }
    if (secrets != null) {
      secrets.close();
    }
    if (bao != null) {
      bao.close();
    }
  }

  private static WorkflowExecution start(String id) {
    UseDatabase workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                UseDatabase.class,
                WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build());
    return WorkflowClient.start(workflow::run, SECRET);
  }

  private static String result(WorkflowClient client, WorkflowExecution run) throws Exception {
    return client
        .newUntypedWorkflowStub(run, Optional.empty())
        .getResult(30, TimeUnit.SECONDS, String.class);
  }

  private static String run(String id) throws Exception {
    return result(env.getWorkflowClient(), start(id));
  }

  private static double gauge() {
    return meters.get(VaultSecrets.EXPIRY_GAUGE).gauge().value();
  }

  /** The run's status and its pending activity's attempt and last failure (what a user sees). */
  private static String describe(WorkflowExecution run) {
    var description =
        env.getWorkflowServiceStubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(env.getNamespace())
                    .setExecution(run)
                    .build());
    StringBuilder out =
        new StringBuilder(description.getWorkflowExecutionInfo().getStatus().toString());
    for (PendingActivityInfo pending : description.getPendingActivitiesList()) {
      out.append(" attempt=")
          .append(pending.getAttempt())
          .append(" lastFailure=")
          .append(pending.getLastFailure().getMessage());
    }
    return out.toString();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void workContinuesOnCachedLeaseAndDataKeysUntilExpiryAndNothingIsLostWhenOpenBaoReturns()
      throws Exception {
    String suffix = " " + SECRET.length();
    String before = run("before");
    assertThat(before).startsWith("v-").endsWith(suffix);
    String user = before.substring(0, before.length() - suffix.length());
    Instant expiry = secrets.status().earliestExpiry();
    assertThat(VaultSecrets.isUp(secrets.status())).isTrue();

    bao.stop();
    try {
      VaultSecrets.Status down = secrets.status();
      assertThat(down.server())
          .as("health: the secrets component is DOWN")
          .startsWith("unreachable");
      assertThat(VaultSecrets.isUp(down)).isFalse();
      assertThat(down.earliestExpiry()).isEqualTo(expiry);
      assertThat(gauge()).isGreaterThan(0).isLessThanOrEqualTo(TTL.toSeconds());

      assertThat(run("during-outage")).as("cached data key and lease").isEqualTo(before);
      // the container's renewal (5 s before expiry) fails while the server is down
      await("a failed renewal")
          .atMost(TTL.plusSeconds(10))
          .until(() -> String.valueOf(secrets.status().lastError()), e -> e.contains("renewing"));
      assertThat(Instant.now()).isBefore(expiry);
      assertThat(run("after-failed-renewal"))
          .as("the credentials still log in until their lease expires")
          .isEqualTo(before);
      assertThat(secrets.status().earliestExpiry()).isEqualTo(expiry);
      assertThat(gauge()).isGreaterThan(0).isLessThanOrEqualTo(THRESHOLD.toSeconds());

      await("the lease's expiry")
          .atMost(TTL.plusSeconds(10))
          .until(() -> Instant.now().isAfter(expiry.plusSeconds(1)));
      assertThat(gauge())
          .as("no lease with time left")
          .satisfiesAnyOf(g -> assertThat(g).isNaN(), g -> assertThat(g).isZero());
      WorkflowExecution waiting = start("after-expiry");
      await("the activity retried while OpenBao is down")
          .atMost(Duration.ofSeconds(30))
          .until(() -> describe(waiting), d -> !d.contains("attempt=1 ") && d.contains("attempt="));
      assertThat(describe(waiting))
          .startsWith("WORKFLOW_EXECUTION_STATUS_RUNNING")
          .contains("OpenBao is unreachable");
      bao.start();
      String after = result(env.getWorkflowClient(), waiting);
      assertThat(after)
          .as("new credentials once OpenBao is back")
          .startsWith("v-")
          .endsWith(suffix);
      assertThat(after).isNotEqualTo(before);
    } finally {
      if (!VaultSecrets.isUp(secrets.status())) {
        bao.start();
      }
    }
    assertThat(VaultSecrets.isUp(secrets.status())).isTrue();
    assertThat(gauge()).isGreaterThan(THRESHOLD.toSeconds());
    WorkflowClient fresh =
        WorkflowClient.newInstance(
            env.getWorkflowServiceStubs(),
            WorkflowClientOptions.newBuilder()
                .setNamespace(env.getNamespace())
                .setDataConverter(converter())
                .build());
    for (String id : List.of("before", "during-outage", "after-failed-renewal")) {
      assertThat(fresh.newUntypedWorkflowStub(id).getResult(String.class))
          .as("%s decodes with a key unwrapped again from the table", id)
          .isEqualTo(before);
    }
    assertThat(run("after-return")).doesNotContain(user);
  }
}
