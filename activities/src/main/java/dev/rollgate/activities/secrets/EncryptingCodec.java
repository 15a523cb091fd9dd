package dev.rollgate.activities.secrets;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * A Temporal {@link PayloadCodec} encrypting whole payloads (metadata and data) with AES-256-GCM: a
 * random 12-byte nonce per payload, the data key from {@link DataKeys}, its id in the metadata
 * ({@value #KEY_ID}, also bound as associated data) and encoding {@value #ENCODING}. Payloads with
 * another encoding are decoded unchanged, so histories from before encryption stay readable.
 */
public final class EncryptingCodec implements PayloadCodec {
  public static final String ENCODING = "binary/encrypted";
  public static final String KEY_ID = "encryption-key-id";
  static final String METADATA_ENCODING = "encoding";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ByteString ENCODING_BYTES = ByteString.copyFromUtf8(ENCODING);

  private final DataKeys keys;
  private final SecureRandom random = new SecureRandom();

  public EncryptingCodec(DataKeys keys) {
    this.keys = keys;
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    DataKeys.Key key = keys.current();
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      out.add(encrypt(key, payload));
    }
    return out;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      out.add(decrypt(payload));
    }
    return out;
  }

  private Payload encrypt(DataKeys.Key key, Payload payload) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key.secret(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(key.id().getBytes(StandardCharsets.UTF_8));
      byte[] plain = payload.toByteArray();
      byte[] sealed = new byte[NONCE_BYTES + cipher.getOutputSize(plain.length)];
      System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
      cipher.doFinal(plain, 0, plain.length, sealed, NONCE_BYTES);
      return Payload.newBuilder()
          .putMetadata(METADATA_ENCODING, ENCODING_BYTES)
          .putMetadata(KEY_ID, ByteString.copyFromUtf8(key.id()))
          .setData(ByteString.copyFrom(sealed))
          .build();
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot encrypt a payload: " + e.getMessage(), e);
    }
  }

  private Payload decrypt(Payload payload) {
    if (!ENCODING_BYTES.equals(payload.getMetadataMap().get(METADATA_ENCODING))) {
      return payload;
    }
    ByteString keyId = payload.getMetadataMap().get(KEY_ID);
    if (keyId == null || keyId.isEmpty()) {
      throw new PayloadCodecException(
          "encrypted payload without a data key id (metadata " + KEY_ID + ")");
    }
    String id = keyId.toStringUtf8();
    byte[] sealed = payload.getData().toByteArray();
    if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new PayloadCodecException(
          "encrypted payload with data key '"
              + id
              + "' is truncated ("
              + sealed.length
              + " bytes)");
    }
    DataKeys.Key key;
    try {
      key = keys.key(id);
    } catch (DataKeys.DataKeyException e) {
      throw new PayloadCodecException(e.getMessage(), e);
    }
    byte[] plain;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          key.secret(),
          new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(id.getBytes(StandardCharsets.UTF_8));
      plain = cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new PayloadCodecException(
          "encrypted payload with data key '"
              + id
              + "' failed authentication: it was altered or sealed with another key",
          e);
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot decrypt a payload: " + e.getMessage(), e);
    }
    try {
      return Payload.parseFrom(plain);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadCodecException(
          "decrypted payload with data key '" + id + "' is not a payload: " + e.getMessage(), e);
    }
  }
}
