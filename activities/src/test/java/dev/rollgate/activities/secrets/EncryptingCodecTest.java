package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link EncryptingCodec} with data keys from a real OpenBao's transit engine ({@link
 * OpenBaoFixture}, logged in with the AppRole Rollgate uses, so its policy is checked too) kept
 * wrapped in Rollgate's table on the fixture's embedded PostgreSQL. About 10 s: OpenBao's start.
 */
class EncryptingCodecTest {
  private static final String SECRET = "hunter2-database-password";

  private static OpenBaoFixture bao;
  private static DSLContext db;
  private VaultSecrets secrets;

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
    if (secrets != null) {
      secrets.close();
    }
  }

  private EncryptingCodec codec() {
    if (secrets == null) {
      secrets = bao.appRoleSecrets();
    }
    return new EncryptingCodec(new DataKeys(secrets.operations(), db));
  }

  private static Payload payload(Object value) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow();
  }

  @Test
  void roundTripHidesThePlaintextAndCarriesOnlyTheKeyId() {
    EncryptingCodec codec = codec();
    Payload plain = payload(Map.of("password", SECRET));

    List<Payload> encoded = codec.encode(List.of(plain, plain));

    Payload sealed = encoded.get(0);
    assertThat(sealed.getMetadataMap().get("encoding").toStringUtf8())
        .isEqualTo(EncryptingCodec.ENCODING);
    String keyId = sealed.getMetadataMap().get(EncryptingCodec.KEY_ID).toStringUtf8();
    assertThat(sealed.getMetadataMap()).containsOnlyKeys("encoding", EncryptingCodec.KEY_ID);
    assertThat(sealed.getData()).isNotEqualTo(plain.getData());
    assertThat(sealed.toByteArray()).asString(StandardCharsets.ISO_8859_1).doesNotContain(SECRET);
    assertThat(encoded.get(1).getData())
        .as("a fresh nonce per payload")
        .isNotEqualTo(sealed.getData());
    assertThat(codec.decode(encoded)).containsExactly(plain, plain);

    String wrapped =
        db.select(DataKeys.WRAPPED)
            .from(DataKeys.DATA_KEY)
            .where(DataKeys.KEY_ID.eq(keyId))
            .fetchOne(DataKeys.WRAPPED);
    assertThat(wrapped).as("stored wrapped by transit").startsWith("vault:v1:");
  }

  @Test
  void aRestartedCodecDecodesThroughTheTable() {
    EncryptingCodec first = codec();
    List<Payload> encoded = first.encode(List.of(payload(SECRET)));
    secrets.close();
    secrets = null;

    EncryptingCodec restarted = codec();

    assertThat(restarted.decode(encoded)).containsExactly(payload(SECRET));
  }

  @Test
  void payloadsWithoutEncryptionPassUnchanged() {
    Payload plain = payload("not encrypted");
    assertThat(codec().decode(List.of(plain))).containsExactly(plain);
  }

  @Test
  void unknownKeyIdIsOneClearError() {
    EncryptingCodec codec = codec();
    Payload sealed = codec.encode(List.of(payload(SECRET))).get(0);
    Payload unknown =
        sealed.toBuilder()
            .putMetadata(EncryptingCodec.KEY_ID, ByteString.copyFromUtf8("no-such-key"))
            .build();

    assertThatThrownBy(() -> codec.decode(List.of(unknown)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessage("unknown data key 'no-such-key': no such key in rollgate_data_key");
  }

  @Test
  void tamperedCiphertextIsOneClearError() {
    EncryptingCodec codec = codec();
    Payload sealed = codec.encode(List.of(payload(SECRET))).get(0);
    byte[] data = sealed.getData().toByteArray();
    data[data.length / 2] ^= 1;
    Payload tampered = sealed.toBuilder().setData(ByteString.copyFrom(data)).build();
    String keyId = sealed.getMetadataMap().get(EncryptingCodec.KEY_ID).toStringUtf8();

    assertThatThrownBy(() -> codec.decode(List.of(tampered)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessage(
            "encrypted payload with data key '"
                + keyId
                + "' failed authentication: it was altered or sealed with another key");
  }

  @Test
  void aDataKeyWrappedUnderAnUnknownTransitKeyVersionIsOneClearError() {
    Payload sealed = codec().encode(List.of(payload(SECRET))).get(0);
    String keyId = sealed.getMetadataMap().get(EncryptingCodec.KEY_ID).toStringUtf8();
    // as if wrapped by a transit key version this server does not have (e.g. another cluster's)
    db.update(DataKeys.DATA_KEY)
        .set(DataKeys.WRAPPED, DSL.replace(DataKeys.WRAPPED, "vault:v1:", "vault:v9:"))
        .where(DataKeys.KEY_ID.eq(keyId))
        .execute();
    secrets.close();
    secrets = null;

    EncryptingCodec restarted = codec(); // nothing cached: unwraps from the table

    assertThatThrownBy(() -> restarted.decode(List.of(sealed)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageStartingWith(
            "cannot unwrap data key '" + keyId + "' with transit/decrypt/rollgate: ")
        .hasMessageContaining("version")
        .hasMessageNotContaining("\n");
  }
}
