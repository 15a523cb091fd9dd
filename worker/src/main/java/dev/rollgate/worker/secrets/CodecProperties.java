package dev.rollgate.worker.secrets;

import dev.rollgate.activities.secrets.Redacted;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Encrypted workflow payloads ({@code rollgate.secrets.*}, used only when {@code
 * rollgate.secrets.vault.address} is set).
 *
 * @param encryptPayloads encrypt every payload the worker's client writes (and serve {@code
 *     /codec}) [false]
 * @param codecToken when set, {@code /codec/encode} and {@code /codec/decode} require {@code
 *     Authorization: Bearer <token>}; empty (the dev stack) = no check
 * @param codecOrigins browser origins allowed to call {@code /codec} (the Temporal Web UI's)
 */
@ConfigurationProperties("rollgate.secrets")
public record CodecProperties(
    @DefaultValue("false") boolean encryptPayloads,
    String codecToken,
    @DefaultValue({"http://127.0.0.1:8233", "http://localhost:8233"}) List<String> codecOrigins) {

  @Override
  public String toString() {
    return "CodecProperties[encryptPayloads="
        + encryptPayloads
        + ", codecToken="
        + Redacted.secret(codecToken)
        + ", codecOrigins="
        + codecOrigins
        + "]";
  }
}
