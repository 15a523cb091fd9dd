package dev.rollgate.activities.secrets;

import java.util.Optional;

/**
 * Where credentials come from, in one place: static configuration ({@link StaticSecrets}) or
 * OpenBao/Vault ({@link VaultSecrets}). A reference is a path such as {@code
 * databases/orders/password}.
 */
public interface SecretSource {
  /** The secret at {@code reference}, or empty when there is none. */
  Optional<String> secret(String reference);

  /**
   * Dynamic login credentials for target database {@code database}, or empty when this source has
   * none (then the registry's static user and the {@code databases/<name>/password} secret apply).
   * The caller holds them until {@link DatabaseLogin#close()}: credentials rotated meanwhile are
   * revoked only once their last holder closed them, so work in flight keeps its connections.
   */
  default Optional<DatabaseLogin> databaseLogin(String database) {
    return Optional.empty();
  }

  /** A user and password held while in use. */
  interface DatabaseLogin extends AutoCloseable {
    String username();

    String password();

    /** Releases the hold (idempotent). */
    @Override
    void close();
  }
}
