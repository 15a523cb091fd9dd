package dev.rollgate.activities.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * AWS keys through the secret source, the way the worker layers it: its configuration first, a real
 * OpenBao's KV ({@code secret/rollgate/aws}) for what the configuration leaves empty, read again
 * after the cache's refresh so that rotated keys are used.
 */
class SecretCredentialsTest {
  static OpenBaoFixture bao;
  static VaultSecrets vault;

  @BeforeAll
  static void start() throws Exception {
    bao = new OpenBaoFixture(List.of(), Duration.ofHours(1), Duration.ofHours(2));
    vault =
        VaultSecrets.connect(
            new VaultSecrets.Settings(
                bao.address(),
                null,
                bao.appRole.roleId(),
                bao.appRole.secretId(),
                null,
                null,
                Duration.ofSeconds(1),
                null,
                null,
                List.of(),
                Duration.ofSeconds(4)),
            new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() throws Exception {
    if (vault != null) {
      vault.close();
    }
    if (bao != null) {
      bao.close();
    }
  }

  @Test
  void keysComeFromOpenBaoWhenTheConfigurationLeavesThemEmptyAndRotatedKeysAreUsed() {
    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/aws", Map.of("access-key", "AKIA-FIRST", "secret-key", "first-secret"));
    // ${ROLLGATE_AWS_ACCESS_KEY:} left empty in the configuration is "not configured"
    SecretSource layered =
        new StaticSecrets(Map.of("aws/access-key", "", "aws/secret-key", " ")).orElse(vault);
    SecretCredentials credentials = new SecretCredentials(layered, "aws");

    AwsCredentials first = credentials.resolveCredentials();
    assertThat(first.accessKeyId()).isEqualTo("AKIA-FIRST");
    assertThat(first.secretAccessKey()).isEqualTo("first-secret");

    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/aws", Map.of("access-key", "AKIA-SECOND", "secret-key", "second-secret"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> credentials.resolveCredentials().accessKeyId().equals("AKIA-SECOND"));
    assertThat(credentials.resolveCredentials().secretAccessKey()).isEqualTo("second-secret");
    assertThat(credentials.toString()).doesNotContain("AKIA").doesNotContain("secret-key=");
  }

  @Test
  void configuredKeysWinOverOpenBao() {
    bao.root
        .opsForVersionedKeyValue("secret")
        .put("rollgate/s3", Map.of("access-key", "from-bao", "secret-key", "bao-secret"));
    SecretSource layered =
        new StaticSecrets(Map.of("s3/access-key", "configured", "s3/secret-key", "conf-secret"))
            .orElse(vault);

    AwsCredentials resolved = new SecretCredentials(layered, "s3").resolveCredentials();

    assertThat(resolved.accessKeyId()).isEqualTo("configured");
    assertThat(resolved.secretAccessKey()).isEqualTo("conf-secret");
  }

  @Test
  void halfAKeyIsOneClearErrorNeverHalfSigned() {
    SecretCredentials credentials =
        new SecretCredentials(
            new StaticSecrets(Map.of("aws/access-key", "AKIA-ONLY")).orElse(vault), "aws");

    assertThatThrownBy(credentials::resolveCredentials)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "secret aws/secret-key is missing while aws/access-key is set: set both, or neither"
                + " for the SDK's default credentials chain");
  }
}
