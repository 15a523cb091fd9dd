package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.secrets.KeyRotationRequest;
import dev.rollgate.workflows.secrets.KeyRotationResult;
import dev.rollgate.workflows.secrets.KeyRotationWorkflow;
import dev.rollgate.workflows.secrets.KeyRotationWorkflowImpl;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.api.common.v1.Payload;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The key-rotation workflow (Temporal's time-skipping test server) with its real activities against
 * a real OpenBao and the data-key table on an embedded PostgreSQL: 25 data keys rewrapped in
 * batches of 4, the minimum raised after an approval, and payloads sealed before the rotation still
 * decoded. About 20 s: OpenBao's start.
 */
class KeyRotationOpenBaoWorkflowTest {
  private static final String KEY = "workflow-rotation";

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(KeyRotationWorkflowImpl.class);

  private static OpenBaoFixture bao;
  private static DSLContext db;

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of(), Duration.ofMinutes(5), Duration.ofMinutes(10));
    DataSource data = bao.postgres.getPostgresDatabase();
    Flyway.configure().dataSource(data).load().migrate();
    db = DSL.using(data, SQLDialect.POSTGRES);
    bao.root.opsForTransit(OpenBaoBootstrap.TRANSIT_MOUNT).createKey(KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bao != null) {
      bao.close();
    }
  }

  /** A data key per encode (never reused), wrapped with {@link #KEY}. */
  private static EncryptingCodec codec() {
    return new EncryptingCodec(
        new DataKeys(bao.root, db, null, KEY, Duration.ZERO, Clock.systemUTC()));
  }

  @Test
  void rotatesRewrapsAndRaisesAgainstOpenBaoAndOldPayloadsStillDecode(
      TestWorkflowEnvironment env, Worker w) {
    EncryptingCodec before = codec();
    List<Payload> plain = new ArrayList<>();
    List<Payload> sealed = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      Payload p = DefaultDataConverter.STANDARD_INSTANCE.toPayload("card-" + i).orElseThrow();
      plain.add(p);
      sealed.add(before.encode(List.of(p)).getFirst());
    }
    RecordingAudit audit = new RecordingAudit();
    w.registerActivitiesImplementations(new KeyRotationActivitiesImpl(bao.root, db, null), audit);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = KeyRotationRequest.workflowId(KEY);
    KeyRotationWorkflow wf =
        client.newWorkflowStub(
            KeyRotationWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(w.getTaskQueue()).build());
    WorkflowClient.start(wf::run, KeyRotationRequest.of(KEY, "alice").withBatchSize(4));

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> wf.rotation().release().phase() == Phase.AWAITING_APPROVAL);
    assertThat(wf.rotation().rewrapped()).isEqualTo(25);
    assertThat(wf.rotation().rewrap().batches()).isEqualTo(7);
    assertThat(bao.root.opsForTransit("transit").getKey(KEY).getMinDecryptionVersion())
        .as("not raised before the approval")
        .isEqualTo(1);
    assertThat(
            db.select(DataKeys.WRAPPED)
                .from(DataKeys.DATA_KEY)
                .where(DataKeys.TRANSIT_KEY.eq(KEY))
                .fetch(DataKeys.WRAPPED))
        .hasSize(25)
        .allSatisfy(wrapped -> assertThat(wrapped).startsWith("vault:v2:"));

    wf.approve(new Approval("bob", "rewrap checked"));
    KeyRotationResult result = client.newUntypedWorkflowStub(id).getResult(KeyRotationResult.class);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.summary())
        .isEqualTo(
            "rotated workflow-rotation to v2; 25 data keys rewrapped; minimum decryption version"
                + " v1 -> v2");
    assertThat(bao.root.opsForTransit("transit").getKey(KEY).getMinDecryptionVersion())
        .isEqualTo(2);
    assertThat(codec().decode(sealed)).isEqualTo(plain);
  }
}
