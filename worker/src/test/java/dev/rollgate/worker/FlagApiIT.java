package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

/**
 * The flag API's answers to odd paths through the real Tomcat, which normalises and rejects some
 * paths before Spring MVC sees them (the web slice test cannot show that). Shares its application
 * context with {@link WorkerDevStackIT}.
 */
@WorkerOnDevStack
class FlagApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Autowired Environment env;

  private HttpResponse<String> send(String method, String rawPath) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + env.getProperty("local.server.port") + rawPath);
    HttpRequest.BodyPublisher body =
        method.equals("GET")
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString("{\"by\":\"alice\"}");
    return http.send(
        HttpRequest.newBuilder(uri)
            .method(method, body)
            .header("Content-Type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET|/api/flags/a%2Fb|flag name may contain only letters, digits, '.', '_' and '-';"
            + " found '/' at position 2",
        "PUT|/api/flags/a%2F..%2Fb|flag name may contain only letters, digits, '.', '_' and '-';"
            + " found '/' at position 2",
        "GET|/api/flags/a%5Cb|flag name may contain only letters, digits, '.', '_' and '-';"
            + " found '\\' at position 2",
        "PUT|/api/flags/|flag name is empty",
        "GET|/api/flags/..|flag name must start with a letter or digit (A-Z, a-z, 0-9)",
        "PUT|/api/flags/%2E%2E|flag name must start with a letter or digit (A-Z, a-z, 0-9)"
      })
  void oddPathsGetTheFlagNameRuleAsJson(String method, String path, String error) throws Exception {
    HttpResponse<String> response = send(method, path);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("error").asText()).isEqualTo(error);
  }

  @Test
  void validNamesStillReachTheirFlag() throws Exception {
    HttpResponse<String> created = send("PUT", "/api/flags/plain.name-1");
    assertThat(created.statusCode()).isEqualTo(200);

    HttpResponse<String> read = send("GET", "/api/flags/plain.name-1");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(read.body()).path("name").asText()).isEqualTo("plain.name-1");
  }
}
