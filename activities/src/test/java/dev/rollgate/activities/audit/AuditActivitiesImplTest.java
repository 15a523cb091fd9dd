package dev.rollgate.activities.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.workflows.audit.AuditEntry;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuditActivitiesImplTest {
  private static TestInfra infra;
  private static AuditActivitiesImpl audit;
  private static final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

  @BeforeAll
  static void start() throws Exception {
    infra = new TestInfra();
    audit = new AuditActivitiesImpl(infra.db, metrics);
  }

  @AfterAll
  static void stop() throws Exception {
    infra.close();
  }

  @Test
  void sameKeyIsWrittenOnceAndReadBackInOrder() {
    audit.record(new AuditEntry("w1/a", "rollout/x", "bob", "pause", "paused: why", 1_000));
    audit.record(new AuditEntry("w1/a", "rollout/x", "bob", "pause", "paused: why", 1_000));
    audit.record(new AuditEntry("w1/b", "rollout/x", "bob", "resume", "resumed", 2_000));

    assertThat(audit.forWorkflow("rollout/x", 10))
        .extracting(AuditEntry::action, AuditEntry::atMillis)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("pause", 1_000L),
            org.assertj.core.groups.Tuple.tuple("resume", 2_000L));
    assertThat(metrics.counter("rollgate.audit.entries", "action", "pause").count()).isEqualTo(1);
  }

  @Test
  void auditLogRefusesUpdatesAndDeletes() {
    audit.record(new AuditEntry("w2/a", "rollout/y", "eve", "approve", "ok", 1_000));

    assertThatThrownBy(() -> infra.db.execute("update rollgate_audit set actor = 'mallory'"))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> infra.db.execute("delete from rollgate_audit"))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("append-only");
    assertThat(audit.forWorkflow("rollout/y", 10))
        .extracting(AuditEntry::actor)
        .containsExactly("eve");
  }
}
