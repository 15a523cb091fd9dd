package dev.rollgate.activities.secrets;

import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * AWS credentials from a {@link SecretSource}: {@code <prefix>/access-key} and {@code
 * <prefix>/secret-key} (prefix {@code aws} for deployments, {@code s3} for backups), both from the
 * same layer of the source (configuration or OpenBao, never one of each), asked at every
 * resolution, so that keys rotated in OpenBao/Vault are used once the source's cache refreshes.
 * Neither set: the SDK's default chain (environment, profile, instance role). Only one set: a clear
 * error naming the missing one, never a request signed with half a key.
 */
public final class SecretCredentials implements AwsCredentialsProvider {
  private final SecretSource secrets;
  private final String prefix;
  private volatile DefaultCredentialsProvider chain;

  public SecretCredentials(SecretSource secrets, String prefix) {
    this.secrets = secrets;
    this.prefix = prefix;
  }

  @Override
  public AwsCredentials resolveCredentials() {
    Map<String, String> keys = secrets.together(prefix + "/access-key", prefix + "/secret-key");
    Optional<String> accessKey = Optional.ofNullable(keys.get(prefix + "/access-key"));
    Optional<String> secretKey = Optional.ofNullable(keys.get(prefix + "/secret-key"));
    if (accessKey.isPresent() && secretKey.isPresent()) {
      return AwsBasicCredentials.create(accessKey.get(), secretKey.get());
    }
    if (accessKey.isPresent() || secretKey.isPresent()) {
      throw new IllegalStateException(
          "secret "
              + prefix
              + (accessKey.isPresent() ? "/secret-key" : "/access-key")
              + " is missing while "
              + prefix
              + (accessKey.isPresent() ? "/access-key" : "/secret-key")
              + " is set: set both, or neither for the SDK's default credentials chain");
    }
    DefaultCredentialsProvider defaults = chain;
    if (defaults == null) {
      defaults = DefaultCredentialsProvider.builder().build();
      chain = defaults;
    }
    return defaults.resolveCredentials();
  }

  /** Names the references, never the values. */
  @Override
  public String toString() {
    return "SecretCredentials[" + prefix + "/access-key, " + prefix + "/secret-key]";
  }
}
