package dev.rollgate.activities.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flag types and stale flags in the store, against the real embedded PostgreSQL: a flag's age
 * counts from its first change (since its last deletion), not from its last edit.
 */
class FlagLifecycleStoreTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private TestInfra infra;
  private final AtomicReference<Instant> now = new AtomicReference<>(START);
  private FlagStore store;

  @BeforeEach
  void setUp() throws Exception {
    infra = new TestInfra();
    Clock clock =
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    store = new FlagStore(infra.db, clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    infra.close();
  }

  private void set(String flag, FlagType type, String key) {
    store.apply(new FlagStore.Change(flag, d -> d.withType(type), true, key, "alice", null, null));
  }

  @Test
  void flagsPastTheirTypesLifetimeAreStaleCountingFromCreation() {
    set("old_release", FlagType.RELEASE, "k1");
    set("old_switch", FlagType.KILL_SWITCH, "k2");
    now.set(START.plus(Duration.ofDays(35)));
    set("young_ops", FlagType.OPERATIONAL, "k3");
    now.set(START.plus(Duration.ofDays(41)));
    // an edit at day 41 does not make the release young again
    store.apply(
        new FlagStore.Change(
            "old_release", d -> d.withRolloutBasisPoints(5_000), false, "k4", "bob", null, null));

    assertThat(store.stale())
        .extracting(l -> l.definition().name())
        .as("release at 41 days > 40; kill switch permanent; operational at 6 days < 7")
        .containsExactly("old_release");
    FlagStore.Lifecycle release = store.lifecycle("old_release").orElseThrow();
    assertThat(release.createdAtMillis()).isEqualTo(START.toEpochMilli());
    assertThat(release.age(now.get().toEpochMilli())).isEqualTo(Duration.ofDays(41));
    assertThat(release.definition().updatedBy()).isEqualTo("bob");

    now.set(START.plus(Duration.ofDays(43)));
    assertThat(store.stale())
        .extracting(l -> l.definition().name())
        .containsExactly("old_release", "young_ops");
  }

  @Test
  void aFlagCreatedAgainAfterItsDeletionIsYoungAgain() {
    set("again", FlagType.OPERATIONAL, "k1");
    now.set(START.plus(Duration.ofDays(10)));
    store.delete(new FlagStore.Deletion("again", "k2", "alice", "gone"));
    set("again", FlagType.OPERATIONAL, "k3");
    assertThat(store.lifecycle("again").orElseThrow().createdAtMillis())
        .isEqualTo(START.plus(Duration.ofDays(10)).toEpochMilli());
    assertThat(store.stale()).isEmpty();
  }

  @Test
  void aStoredFlagWithoutATypeReadsAsARelease() {
    set("legacy", FlagType.RELEASE, "k1");
    // as written before flag types existed: no "type" field in the stored JSON
    infra.db.execute("update rollgate_flag set definition = definition - 'type'");
    String stored =
        infra
            .db
            .select(DSL.field(DSL.name("definition")).cast(String.class))
            .from(DSL.table(DSL.name("rollgate_flag")))
            .fetchOne()
            .value1();
    assertThat(stored).doesNotContain("\"type\"");
    assertThat(store.find("legacy").orElseThrow().type()).isEqualTo(FlagType.RELEASE);
    now.set(START.plus(Duration.ofDays(41)));
    assertThat(store.stale()).extracting(l -> l.definition().name()).containsExactly("legacy");
  }

  @Test
  void theTypeIsStoredAndItsChangeAudited() {
    set("t", FlagType.RELEASE, "k1");
    set("t", FlagType.PERMISSION, "k2");
    assertThat(store.find("t").orElseThrow().type()).isEqualTo(FlagType.PERMISSION);
    assertThat(
            infra
                .db
                .select(DSL.field(DSL.name("details"), String.class))
                .from(DSL.table(DSL.name("rollgate_audit")))
                .where(DSL.field(DSL.name("details"), String.class).like("t v2:%"))
                .fetchOne()
                .value1())
        .contains("type release -> permission");
    assertThat(FlagCodec.toJson(store.find("t").orElseThrow())).contains("\"type\":\"permission\"");
  }
}
