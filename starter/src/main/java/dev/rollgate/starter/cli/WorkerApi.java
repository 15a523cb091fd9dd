package dev.rollgate.starter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The worker's HTTP API ({@code /api/...}); its errors come back as one sentence. */
public final class WorkerApi {
  private final String baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  public WorkerApi(String baseUrl) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  public JsonNode get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), false);
  }

  /**
   * A GET that checks input before something starts: a 404 (an unknown database, flag, ...) is then
   * bad input, exit 2, like a 400.
   */
  public JsonNode check(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), true);
  }

  public JsonNode put(String path, JsonNode body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body.toString())),
        false);
  }

  public JsonNode post(String path, JsonNode body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())),
        false);
  }

  /** A DELETE with a JSON body; a 404 (nothing to delete) is bad input, exit 2, like a 400. */
  public JsonNode delete(String path, JsonNode body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .method("DELETE", HttpRequest.BodyPublishers.ofString(body.toString())),
        true);
  }

  /** One path segment or query value, percent-encoded. */
  public static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private URI uri(String path) {
    return URI.create(baseUrl + path);
  }

  private JsonNode send(HttpRequest.Builder request, boolean notFoundIsUsage) {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request.timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CliException("cannot reach the Rollgate worker at " + baseUrl + " (--worker-url)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
    JsonNode body;
    try {
      body = Console.JSON.readTree(response.body());
    } catch (IOException e) {
      throw new CliException("the worker answered HTTP " + response.statusCode() + " without JSON");
    }
    if (response.statusCode() >= 400) {
      String error = body.path("error").asText("HTTP " + response.statusCode());
      // 400: the request itself is wrong (bad input, exit 2); anything else was refused or failed
      boolean usage =
          response.statusCode() == 400 || (notFoundIsUsage && response.statusCode() == 404);
      throw usage ? CliException.usage(error) : new CliException(error);
    }
    return body;
  }
}
