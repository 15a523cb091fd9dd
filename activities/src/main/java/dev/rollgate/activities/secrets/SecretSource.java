package dev.rollgate.activities.secrets;

import java.util.Optional;

/**
 * Where credentials come from, in one place: static configuration now ({@link StaticSecrets}), a
 * vault (OpenBao) later. A reference is a path such as {@code databases/orders/password}.
 */
public interface SecretSource {
  /** The secret at {@code reference}, or empty when there is none. */
  Optional<String> secret(String reference);
}
