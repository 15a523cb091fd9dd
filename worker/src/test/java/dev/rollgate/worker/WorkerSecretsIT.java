package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.activities.secrets.VaultSecrets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

/**
 * The worker on its dev stack with OpenBao: the secret source is OpenBao, health has a {@code
 * secrets} component saying the server's state, and the lease-expiry gauge is exported (its value
 * with leases held is checked in VaultSecretsTest).
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
  void theSecretSourceIsOpenBaoAndHealthAndMetricsSaySo() throws Exception {
    assertThat(secrets).isInstanceOf(VaultSecrets.class);
    JsonNode component = JSON.readTree(get("/actuator/health")).path("components").path("secrets");
    assertThat(component.path("status").asText()).isEqualTo("UP");
    assertThat(component.path("details").path("server").asText()).startsWith("up (version ");
    assertThat(component.path("details").path("earliestLeaseExpiry").asText()).isEqualTo("none");

    // no dynamic credentials held yet (the dev stack leaves them off): the gauge says NaN
    assertThat(get("/actuator/prometheus"))
        .containsPattern("(?m)^rollgate_secrets_lease_expiry_seconds\\{[^}]*\\} NaN$");
  }
}
