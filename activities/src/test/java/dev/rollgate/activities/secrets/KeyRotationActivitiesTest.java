package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.secrets.KeyRotationActivities;
import dev.rollgate.workflows.secrets.RewrapJob;
import dev.rollgate.workflows.secrets.RewrapProgress;
import dev.rollgate.workflows.secrets.TransitKeyState;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.Ciphertext;

/**
 * {@link KeyRotationActivitiesImpl} against a real OpenBao ({@link OpenBaoFixture}; the payload
 * codec's key through Rollgate's AppRole, so its policy is checked) and data keys in {@code
 * rollgate_data_key} on the fixture's embedded PostgreSQL. About 15 s: OpenBao's start.
 */
class KeyRotationActivitiesTest {
  private static OpenBaoFixture bao;
  private static DSLContext db;
  private VaultSecrets secrets;
  private TestActivityEnvironment env;

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of(), Duration.ofMinutes(5), Duration.ofMinutes(10));
    DataSource data = bao.postgres.getPostgresDatabase();
    Flyway.configure().dataSource(data).load().migrate();
    db = DSL.using(data, SQLDialect.POSTGRES);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bao != null) {
      bao.close();
    }
  }

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
    if (secrets != null) {
      secrets.close();
    }
  }

  private KeyRotationActivitiesImpl appRoleActivities() {
    if (secrets == null) {
      secrets = bao.appRoleSecrets();
    }
    return new KeyRotationActivitiesImpl(secrets.operations(), db, null);
  }

  /** A new activity environment: a worker (re)started with a fresh activity instance. */
  private KeyRotationActivities worker(KeyRotationActivitiesImpl impl, List<Object> beats) {
    if (env != null) {
      env.close();
    }
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(impl);
    env.setActivityHeartbeatListener(RewrapProgress.class, beats::add);
    return env.newActivityStub(
        KeyRotationActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setHeartbeatTimeout(Duration.ofSeconds(30))
            .build());
  }

  /** A data key per encode: a codec whose current key is never reused. */
  private static EncryptingCodec codec(
      org.springframework.vault.core.VaultOperations vault, String key) {
    return new EncryptingCodec(
        new DataKeys(vault, db, null, key, Duration.ZERO, Clock.systemUTC()));
  }

  private static Payload payload(Object value) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow();
  }

  private static List<String> wrapped(String key) {
    return db.select(DataKeys.WRAPPED)
        .from(DataKeys.DATA_KEY)
        .where(DataKeys.TRANSIT_KEY.eq(key))
        .orderBy(DataKeys.KEY_ID)
        .fetch(DataKeys.WRAPPED);
  }

  @Test
  void rotatesRewrapsInBatchesAcrossARestartAndOldDataDecryptsAfterTheMinimumIsRaised() {
    String key = OpenBaoBootstrap.TRANSIT_KEY;
    KeyRotationActivitiesImpl activities = appRoleActivities();
    EncryptingCodec before = codec(secrets.operations(), key);
    List<Payload> plain = new ArrayList<>();
    List<Payload> sealed = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Payload p = payload("customer-" + i);
      plain.add(p);
      sealed.add(before.encode(List.of(p)).getFirst());
    }
    List<String> v1 = wrapped(key);
    assertThat(v1).hasSize(7).allSatisfy(w -> assertThat(w).startsWith("vault:v1:"));

    TransitKeyState state = activities.inspect(key, 0);
    assertThat(state).isEqualTo(new TransitKeyState(key, 1, 1, 7, 0));
    assertThat(activities.rotate(key, 1)).isEqualTo(2);
    assertThat(activities.rotate(key, 1)).as("a retried rotation rotates once").isEqualTo(2);
    assertThat(activities.inspect(key, 2).below()).isEqualTo(7);

    // the first slice: two batches of two
    List<Object> beats = new CopyOnWriteArrayList<>();
    RewrapProgress first =
        worker(activities, beats).rewrap(new RewrapJob(key, 2, 2, 2, RewrapProgress.start(7)));
    assertThat(first).isEqualTo(new RewrapProgress(first.cursor(), 4, 4, 0, 7, 2, false));
    // heartbeats after each batch (Temporal throttles them: the first goes at once)
    assertThat(beats.getFirst())
        .isEqualTo(
            new RewrapProgress(((RewrapProgress) beats.getFirst()).cursor(), 2, 2, 0, 7, 1, false));
    assertThat(wrapped(key)).filteredOn(w -> w.startsWith("vault:v2:")).hasSize(4);

    // the worker restarts; the slice is retried with its first heartbeat (its result was lost):
    // the batch already done is found done, the rest is rewrapped
    List<Object> moreBeats = new CopyOnWriteArrayList<>();
    KeyRotationActivities restarted = worker(appRoleActivities(), moreBeats);
    env.setHeartbeatDetails(beats.getFirst());
    RewrapProgress rest = restarted.rewrap(new RewrapJob(key, 2, 2, 10, RewrapProgress.start(7)));
    assertThat(rest).isEqualTo(new RewrapProgress(rest.cursor(), 7, 5, 2, 7, 4, true));
    assertThat(moreBeats).isNotEmpty();
    assertThat(wrapped(key)).hasSize(7).allSatisfy(w -> assertThat(w).startsWith("vault:v2:"));
    assertThat(activities.inspect(key, 2).below()).isZero();

    assertThat(activities.raiseMinDecryptionVersion(key, 2))
        .isEqualTo("minimum decryption version v1 -> v2");
    assertThat(activities.raiseMinDecryptionVersion(key, 2))
        .isEqualTo("minimum decryption version already v2");
    assertThat(activities.inspect(key, 0)).isEqualTo(new TransitKeyState(key, 2, 2, 7, 0));

    // data encrypted before the rotation decrypts through a fresh codec (keys read from the
    // table, unwrapped with v2); the v1 wrapping no longer decrypts at all
    assertThat(codec(secrets.operations(), key).decode(sealed)).isEqualTo(plain);
    assertThatThrownBy(
            () -> bao.root.opsForTransit("transit").decrypt(key, Ciphertext.of(v1.getFirst())))
        .hasMessageContaining("disallowed by policy (too old)");
  }

  @Test
  void theMinimumIsNotRaisedWhileADataKeyIsWrappedWithAnOldVersionAndRollbackKeepsIt() {
    String key = "rotation-partial";
    bao.root.opsForTransit("transit").createKey(key);
    KeyRotationActivitiesImpl activities =
        new KeyRotationActivitiesImpl(bao.root, db, OpenBaoBootstrap.TRANSIT_MOUNT);
    EncryptingCodec codec = codec(bao.root, key);
    List<Payload> sealed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sealed.add(codec.encode(List.of(payload("row-" + i))).getFirst());
    }
    activities.rotate(key, 1);
    RewrapProgress one =
        worker(activities, new ArrayList<>())
            .rewrap(new RewrapJob(key, 2, 1, 1, RewrapProgress.start(3)));
    assertThat(one.rewrapped()).isEqualTo(1);

    assertThatThrownBy(() -> activities.raiseMinDecryptionVersion(key, 2))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("CONFLICT");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .startsWith("2 data keys are still wrapped with transit/keys/rotation-partial");
            });
    assertThat(activities.inspect(key, 0).minDecryptionVersion()).isEqualTo(1);

    // the rollback: the minimum stays; data keys wrapped with v1 and v2 both decrypt
    assertThat(activities.keepMinDecryptionVersion(key, 1))
        .isEqualTo(
            "minimum decryption version of rotation-partial stays v1: data keys wrapped with v1"
                + " to v2 decrypt (the rotation to v2 is kept)");
    assertThat(codec(bao.root, key).decode(sealed)).hasSize(3);
  }

  @Test
  void rollbackSetsBackAMinimumRaisedMeanwhile() {
    String key = "rotation-set-back";
    bao.root.opsForTransit("transit").createKey(key);
    KeyRotationActivitiesImpl activities =
        new KeyRotationActivitiesImpl(bao.root, db, OpenBaoBootstrap.TRANSIT_MOUNT);
    activities.rotate(key, 1);
    activities.raiseMinDecryptionVersion(key, 2); // no data keys: nothing holds it back

    assertThat(activities.keepMinDecryptionVersion(key, 1))
        .isEqualTo(
            "minimum decryption version of rotation-set-back set back from v2 to v1: data keys"
                + " wrapped with v1 to v2 decrypt");
    assertThat(activities.inspect(key, 0).minDecryptionVersion()).isEqualTo(1);
  }

  @Test
  void anUnknownKeyIsNotFoundAndAKeyOutsideThePolicyIsRefused() {
    KeyRotationActivitiesImpl root =
        new KeyRotationActivitiesImpl(bao.root, db, OpenBaoBootstrap.TRANSIT_MOUNT);
    assertThatThrownBy(() -> root.inspect("no-such-key", 0))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .isEqualTo("transit key 'no-such-key' does not exist (transit/keys/no-such-key)");
            });
    assertThatThrownBy(() -> appRoleActivities().rotate("no-such-key", 1))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("REFUSED");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .startsWith("OpenBao denied reading transit key transit/keys/no-such-key (403");
            });
  }
}
