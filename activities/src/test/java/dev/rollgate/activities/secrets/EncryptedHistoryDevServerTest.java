package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.testing.DevServers;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TemporalDevServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * No secret in a history on a real Temporal dev server: a workflow and its activity run with a
 * known secret through the {@link EncryptingCodec} (data keys from a real OpenBao, wrapped in
 * PostgreSQL), and the fetched history's bytes do not contain it; the same run started by a client
 * without the codec does hold it in its history (so the scan can find it). Long (56 s measured on 2
 * busy cores) for a reason: it starts OpenBao, PostgreSQL and the dev server.
 */
class EncryptedHistoryDevServerTest {
  private static final String SECRET = "s3cr3t-db-password-4711";
  private static final String QUEUE = "encrypted-history";

  @WorkflowInterface
  public interface Echo {
    @WorkflowMethod
    String run(String secret);
  }

  @ActivityInterface
  public interface Greeter {
    String greet(String secret);
  }

  public static class EchoImpl implements Echo {
    private final Greeter greeter =
        Workflow.newActivityStub(
            Greeter.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public String run(String secret) {
      return greeter.greet(secret);
    }
  }

  static class GreeterImpl implements Greeter {
    @Override
    public String greet(String secret) {
      return "used " + secret;
    }
  }

  private static OpenBaoFixture bao;
  private static VaultSecrets secrets;
  private static TemporalDevServer server;
  private static WorkflowServiceStubs service;
  private static WorkerFactory factory;
  private static WorkflowClient encrypting;
  private static WorkflowClient plain;

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of(), Duration.ofMinutes(5), Duration.ofMinutes(10));
    DataSource data = bao.postgres.getPostgresDatabase();
    Flyway.configure().dataSource(data).load().migrate();
    secrets = bao.appRoleSecrets();
    EncryptingCodec codec =
        new EncryptingCodec(
            new DataKeys(secrets.operations(), DSL.using(data, SQLDialect.POSTGRES)));
    server = DevServers.start();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(server.getTarget()).build());
    encrypting =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder()
                .setNamespace(server.getNamespace())
                .setDataConverter(
                    new CodecDataConverter(DefaultDataConverter.STANDARD_INSTANCE, List.of(codec)))
                .build());
    plain =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder().setNamespace(server.getNamespace()).build());
    factory = WorkerFactory.newInstance(encrypting);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(EchoImpl.class);
    worker.registerActivitiesImplementations(new GreeterImpl());
    factory.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (factory != null) {
      factory.shutdownNow();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    if (secrets != null) {
      secrets.close();
    }
    if (bao != null) {
      bao.close();
    }
  }

  private static String historyBytes(WorkflowClient client, String id) {
    return new String(
        client.fetchHistory(id).getHistory().toByteArray(), StandardCharsets.ISO_8859_1);
  }

  private static String run(WorkflowClient client, String id) {
    Echo echo =
        client.newWorkflowStub(
            Echo.class, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build());
    WorkflowExecution started = WorkflowClient.start(echo::run, SECRET);
    return encrypting.newUntypedWorkflowStub(started, Optional.empty()).getResult(String.class);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aWorkflowsHistoryHoldsNoSecret() {
    assertThat(run(encrypting, "encrypted")).isEqualTo("used " + SECRET);

    String history = historyBytes(encrypting, "encrypted");
    assertThat(history).doesNotContain(SECRET).contains(EncryptingCodec.ENCODING);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theScanFindsASecretAClientWroteWithoutTheCodec() {
    assertThat(run(plain, "plain-input")).isEqualTo("used " + SECRET);

    assertThat(historyBytes(plain, "plain-input")).contains(SECRET);
  }
}
