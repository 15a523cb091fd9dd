package dev.rollgate.activities.secrets;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where credentials come from, in one place: static configuration ({@link StaticSecrets}) or
 * OpenBao/Vault ({@link VaultSecrets}). A reference is a path such as {@code
 * databases/orders/password}; the ones Rollgate reads are {@code databases/<name>/password}, {@code
 * aws/access-key} and {@code aws/secret-key} (deployments), {@code s3/access-key} and {@code
 * s3/secret-key} (backups), {@code prometheus/token} or {@code prometheus/username} and {@code
 * prometheus/password} (guardrails and canary analysis).
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

  /**
   * This source, then {@code fallback} for what this one does not have (the worker uses its
   * configuration first and OpenBao/Vault for what the configuration leaves empty). Dynamic
   * database logins likewise: from this source when it has them. A failure of this source is not
   * hidden by the fallback.
   */
  default SecretSource orElse(SecretSource fallback) {
    SecretSource first = this;
    return new SecretSource() {
      @Override
      public Optional<String> secret(String reference) {
        return first.secret(reference).or(() -> fallback.secret(reference));
      }

      @Override
      public Optional<DatabaseLogin> databaseLogin(String database) {
        return first.databaseLogin(database).or(() -> fallback.databaseLogin(database));
      }

      @Override
      public List<SecretSource> layers() {
        List<SecretSource> all = new ArrayList<>(first.layers());
        all.addAll(fallback.layers());
        return List.copyOf(all);
      }
    };
  }

  /** The sources this one asks, in order: itself unless it layers several ({@link #orElse}). */
  default List<SecretSource> layers() {
    return List.of(this);
  }

  /**
   * Secrets that belong together (an access key and its secret, a user and password), taken whole
   * from the first layer that has any of them, never half from one layer and half from another:
   * reference → value for those that layer has (blank values count as absent); empty when no layer
   * has any.
   */
  default Map<String, String> together(String... references) {
    for (SecretSource layer : layers()) {
      Map<String, String> found = new LinkedHashMap<>();
      for (String reference : references) {
        layer
            .secret(reference)
            .filter(value -> !value.isBlank())
            .ifPresent(value -> found.put(reference, value));
      }
      if (!found.isEmpty()) {
        return found;
      }
    }
    return Map.of();
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
