package dev.rollgate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.BackupResult;
import dev.rollgate.workflows.backup.BackupWorkflow;
import dev.rollgate.workflows.backup.BackupWorkflowImpl;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A backup of a database whose owner has a known password, run by the real workflow on the real
 * engine (embedded PostgreSQL and S3Proxy from {@link BackupEngineTest}): the password is in no log
 * line of the worker, nowhere in the workflow's history or audit, and in no record's {@code
 * toString}.
 */
class BackupSecretsTest {
  @BeforeAll
  static void servers() throws Exception {
    BackupEngineTest.servers();
  }

  @AfterAll
  static void stop() throws Exception {
    BackupEngineTest.stop();
  }

  @Test
  void aKnownPasswordIsInNoLogNoHistoryAndNoRecordString() throws Exception {
    String password = "Known-Pa55-" + UUID.randomUUID();
    try (Connection c = BackupEngineTest.infra.dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("create role vault_owner login password '" + password + "'");
      s.execute("create database vault owner vault_owner");
    }
    String url =
        "jdbc:postgresql://localhost:"
            + BackupEngineTest.infra.postgres.getPort()
            + "/vault?password="
            + password;
    DatabaseRegistry registry =
        new DatabaseRegistry(
            Map.of("vault", new DatabaseRegistry.Settings(url, "vault_owner")),
            new StaticSecrets(Map.of("databases/vault/password", password)));
    try (Connection c = registry.target("vault").open();
        Statement s = c.createStatement()) {
      s.execute("create table secrets (id int primary key); insert into secrets values (1), (2)");
    }

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    RecordingAudit audit = new RecordingAudit();
    List<String> histories = new ArrayList<>();
    try {
      env.registerSearchAttribute(
          RollgateSearchAttributes.KIND.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute(
          RollgateSearchAttributes.TARGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute(
          RollgateSearchAttributes.PHASE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute(
          RollgateSearchAttributes.PROGRESS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
      Worker worker = env.newWorker("secrets");
      worker.registerWorkflowImplementationTypes(BackupWorkflowImpl.class);
      worker.registerActivitiesImplementations(
          new BackupActivitiesImpl(
              registry,
              BackupEngineTest.store,
              BackupEngineTest.s3,
              new StreamingBackup.Settings(
                  BackupEngineTest.BUCKET, StreamingBackup.MIN_PART_SIZE, 2, false),
              () -> RequiredTools.require(Tools.PG_DUMP),
              Clock.systemUTC()),
          audit);
      env.start();

      String id = "backup/vault/20261203T120000Z";
      WorkflowStub stub =
          env.getWorkflowClient()
              .newUntypedWorkflowStub(
                  BackupWorkflow.TYPE,
                  WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("secrets").build());
      stub.start(BackupRequest.of("vault", "alice"));
      BackupResult result = stub.getResult(BackupResult.class);
      assertThat(result.phase()).as(result.summary()).isEqualTo(Phase.COMPLETED);
      assertThat(result.backup().rowCounts()).containsEntry("public.secrets", 2L);
      var history = env.getWorkflowClient().fetchHistory(id);
      histories.add(history.getHistory().toString());
      histories.add(history.toJson(true));

      // what a worker would log about its settings and targets
      LoggerFactory.getLogger(BackupSecretsTest.class)
          .info(
              "registered {} {} {}",
              registry.target("vault"),
              new DatabaseRegistry.Settings(url, "vault_owner"),
              new AwsClients(
                  URI.create("http://vault_owner:" + password + "@127.0.0.1:1"),
                  "us-east-1",
                  password,
                  password));
    } finally {
      env.close();
      root.detachAppender(logs);
    }

    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : logs.list) {
      lines.add(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) {
        lines.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
    }
    assertThat(lines).anyMatch(l -> l.contains("registered Target[name=vault"));
    assertThat(lines).noneMatch(l -> l.contains(password));
    assertThat(histories).isNotEmpty().noneMatch(h -> h.contains(password));
    assertThat(audit.entries).isNotEmpty().noneMatch(e -> e.toString().contains(password));
    assertThat(registry.target("vault").toString())
        .contains("password=***", "vault_owner")
        .doesNotContain(password);
  }
}
