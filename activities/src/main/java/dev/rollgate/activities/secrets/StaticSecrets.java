package dev.rollgate.activities.secrets;

import java.util.Map;
import java.util.Optional;

/**
 * Secrets from the worker's own configuration (e.g. {@code rollgate.databases.x.password}). A blank
 * value is no value: {@code ${ROLLGATE_AWS_ACCESS_KEY:}} left empty means "not configured here".
 */
public final class StaticSecrets implements SecretSource {
  private final Map<String, String> secrets;

  public StaticSecrets(Map<String, String> secrets) {
    Map<String, String> copy = new java.util.HashMap<>();
    secrets.forEach(
        (k, v) -> {
          if (v != null && !v.isBlank()) {
            copy.put(k, v);
          }
        });
    this.secrets = Map.copyOf(copy);
  }

  @Override
  public Optional<String> secret(String reference) {
    return Optional.ofNullable(secrets.get(reference));
  }
}
