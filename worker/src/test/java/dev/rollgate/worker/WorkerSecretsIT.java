package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.activities.secrets.OpenBaoBootstrap;
import dev.rollgate.activities.secrets.SecretCredentials;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.activities.secrets.VaultSecrets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;

/**
 * The worker on its dev stack with OpenBao: the secret source is its configuration, then OpenBao
 * (AWS keys left out of the configuration come from OpenBao's KV), health has a {@code secrets}
 * component saying the server's state, and the lease-expiry gauge is exported (its value with
 * leases held is checked in VaultSecretsTest).
 */
@WorkerOnDevStack
class WorkerSecretsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Autowired Environment env;
  @Autowired SecretSource secrets;

  @BeforeAll
  static void needsBao() {
    RequiredTools.require(Tools.BAO);
  }

  private String get(String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + env.getProperty("local.server.port") + path);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void awsKeysTheConfigurationLeavesEmptyComeFromOpenBaoWhileConfiguredS3KeysStay() {
    VaultTemplate root =
        OpenBaoBootstrap.rootClient(
            VaultEndpoint.from(URI.create(env.getProperty("rollgate.secrets.vault.address"))),
            Path.of(env.getProperty("rollgate.secrets.vault.token-file")).getParent());
    root.opsForVersionedKeyValue("secret")
        .put("rollgate/aws", Map.of("access-key", "AKIA-FROM-BAO", "secret-key", "bao-secret"));
    root.opsForVersionedKeyValue("secret")
        .put("rollgate/s3", Map.of("access-key", "not-used", "secret-key", "not-used"));

    var aws = aws().credentials().resolveCredentials();
    assertThat(aws.accessKeyId()).isEqualTo("AKIA-FROM-BAO");
    assertThat(aws.secretAccessKey()).isEqualTo("bao-secret");
    // the dev stack configures S3Proxy's keys: the configuration wins, both halves from it
    assertThat(new SecretCredentials(secrets, "s3").resolveCredentials().accessKeyId())
        .isEqualTo(env.getProperty("rollgate.s3.access-key"));
  }

  @Autowired org.springframework.beans.factory.ObjectProvider<AwsClients> awsClients;

  private AwsClients aws() {
    return awsClients.getObject();
  }

  @Test
  void theSecretSourceIsOpenBaoAndHealthAndMetricsSaySo() throws Exception {
    // the configuration first, then OpenBao for what it leaves empty
    assertThat(secrets.layers()).hasSize(2);
    assertThat(secrets.layers().get(1)).isInstanceOf(VaultSecrets.class);
    JsonNode component = JSON.readTree(get("/actuator/health")).path("components").path("secrets");
    assertThat(component.path("status").asText()).isEqualTo("UP");
    assertThat(component.path("details").path("server").asText()).startsWith("up (version ");
    assertThat(component.path("details").path("earliestLeaseExpiry").asText()).isEqualTo("none");

    // no dynamic credentials held yet (the dev stack leaves them off): the gauge says NaN
    assertThat(get("/actuator/prometheus"))
        .containsPattern("(?m)^rollgate_secrets_lease_expiry_seconds\\{[^}]*\\} NaN$");
  }
}
