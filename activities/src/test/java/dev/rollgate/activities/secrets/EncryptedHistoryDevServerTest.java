package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.rollgate.activities.databases.DatabaseRegistry;
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
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.slf4j.LoggerFactory;

/**
 * No secret in a history on a real Temporal dev server: a workflow and its activity run with a
 * known secret through the {@link EncryptingCodec} (data keys from a real OpenBao, wrapped in
 * PostgreSQL), and the fetched history's bytes do not contain it; the same run started by a client
 * without the codec does hold it in its history (so the scan can find it). The guarantee
 * with real secrets: a database password read from OpenBao's KV and a dynamic credential of its
 * database engine flow through a workflow's input, an activity's input and result, and appear in no
 * event of the history, no log line and not in OpenBao's own log (with planted values found by the
 * same scans). Long (56 s measured on 2 busy cores) for a reason: it starts OpenBao, PostgreSQL and
 * the dev server.
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

  /** A database password kept in OpenBao's KV. */
  private static final String KV_PASSWORD = "kv-db-password-90210";

  private static final String SECRETS_QUEUE = "secrets-in-payloads";

  @WorkflowInterface
  public interface UseCredentials {
    /** Returns the activity's result (the secrets it used) to the client. */
    @WorkflowMethod
    String run(String kvPassword);
  }

  @ActivityInterface
  public interface Connect {
    /**
     * Reads the KV password, logs in with the dynamic credentials and returns both (the worst case:
     * secrets in an activity's input and result).
     */
    String connect(String input);
  }

  public static class UseCredentialsImpl implements UseCredentials {
    private final Connect connect =
        Workflow.newActivityStub(
            Connect.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public String run(String kvPassword) {
      Workflow.getLogger(UseCredentialsImpl.class).info("using the credentials of shop");
      return connect.connect(kvPassword);
    }
  }

  static class ConnectImpl implements Connect {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(ConnectImpl.class);

    @Override
    public String connect(String input) {
      String stored = secrets.secret("databases/shop/password").orElseThrow();
      try (DatabaseRegistry.Held held = registry.hold("shop");
          Connection c = held.target().open();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select current_user")) {
        rs.next();
        log.info("connected to {} as {}", held.target(), rs.getString(1));
        return stored + " " + held.target().password();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static OpenBaoFixture bao;
  private static DatabaseRegistry registry;
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private static VaultSecrets secrets;
  private static TemporalDevServer server;
  private static WorkflowServiceStubs service;
  private static WorkerFactory factory;
  private static WorkflowClient encrypting;
  private static WorkflowClient plain;

  @BeforeAll
  static void start() throws Exception {
    logs.start();
    root.addAppender(logs);
    ((Logger) LoggerFactory.getLogger("dev.rollgate")).setLevel(Level.DEBUG);
    bao = new OpenBaoFixture(List.of("shop"), Duration.ofMinutes(5), Duration.ofMinutes(10));
    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/databases/shop", Map.of("password", KV_PASSWORD));
    DataSource data = bao.postgres.getPostgresDatabase();
    Flyway.configure().dataSource(data).load().migrate();
    secrets = bao.appRoleSecrets(List.of("shop"), null, null);
    registry = bao.registry("shop", secrets);
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
    Worker secretsWorker = factory.newWorker(SECRETS_QUEUE);
    secretsWorker.registerWorkflowImplementationTypes(UseCredentialsImpl.class);
    secretsWorker.registerActivitiesImplementations(new ConnectImpl());
    factory.start();
  }

  @AfterAll
  static void stop() throws Exception {
    root.detachAppender(logs);
    ((Logger) LoggerFactory.getLogger("dev.rollgate")).setLevel(null);
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

  /** The events of {@code id}'s history whose raw bytes hold {@code secret}, as "id TYPE". */
  private static List<String> eventsHolding(WorkflowClient client, String id, String secret) {
    byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
    String wanted = new String(needle, StandardCharsets.ISO_8859_1);
    return client.fetchHistory(id).getHistory().getEventsList().stream()
        .filter(e -> new String(e.toByteArray(), StandardCharsets.ISO_8859_1).contains(wanted))
        .map(e -> e.getEventId() + " " + e.getEventType())
        .toList();
  }

  /** The captured log lines (message, arguments and stack trace) holding {@code secret}. */
  private static List<String> logLinesHolding(String secret) {
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent event : List.copyOf(logs.list)) {
      StringBuilder line = new StringBuilder(event.getFormattedMessage());
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        line.append(' ').append(ThrowableProxyUtil.asString(t));
      }
      if (line.toString().contains(secret)) {
        lines.add(line.toString());
      }
    }
    return lines;
  }

  private static String dynamicPassword() {
    try (DatabaseRegistry.Held held = registry.hold("shop")) {
      return held.target().password();
    }
  }

  private static String runWithCredentials(WorkflowClient client, String id, String input) {
    UseCredentials workflow =
        client.newWorkflowStub(
            UseCredentials.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(SECRETS_QUEUE).build());
    WorkflowExecution started = WorkflowClient.start(workflow::run, input);
    return encrypting.newUntypedWorkflowStub(started, Optional.empty()).getResult(String.class);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void noKvPasswordOrDynamicCredentialInAnyEventOrLogLine() throws Exception {
    String dynamic = dynamicPassword();
    assertThat(dynamic).as("a real credential of the database engine").isNotBlank();

    String result = runWithCredentials(encrypting, "credentials", KV_PASSWORD);

    assertThat(result)
        .as("the workflow really used both secrets")
        .isEqualTo(KV_PASSWORD + " " + dynamic);
    assertThat(logs.list)
        .as("the activity logged its connection (logs were captured)")
        .anyMatch(e -> e.getFormattedMessage().startsWith("connected to Target[name=shop"));
    for (String secret : List.of(KV_PASSWORD, dynamic)) {
      assertThat(eventsHolding(encrypting, "credentials", secret)).as("events").isEmpty();
      assertThat(logLinesHolding(secret)).as("log lines").isEmpty();
      assertThat(Files.readString(bao.dir.resolve("openbao.log"))).doesNotContain(secret);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theScansFindSecretsPlantedInAHistoryAndALogLine() {
    String dynamic = dynamicPassword();
    String planted = KV_PASSWORD + " " + dynamic;

    // a client without the codec writes its input as plaintext; the worker's payloads stay sealed
    assertThat(runWithCredentials(plain, "credentials-plain", planted)).isEqualTo(planted);
    LoggerFactory.getLogger(EncryptedHistoryDevServerTest.class).info("planted {}", planted);

    for (String secret : List.of(KV_PASSWORD, dynamic)) {
      assertThat(eventsHolding(plain, "credentials-plain", secret))
          .containsExactly("1 EVENT_TYPE_WORKFLOW_EXECUTION_STARTED");
      assertThat(logLinesHolding(secret)).containsExactly("planted " + planted);
    }
  }
}
