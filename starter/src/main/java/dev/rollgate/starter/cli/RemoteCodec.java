package dev.rollgate.starter.cli;

import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Decodes the worker's encrypted payloads (encoding {@value #ENCODING}: query results, workflow
 * results, heartbeats) through its remote-codec endpoint {@code <worker-url>/codec/decode}, with
 * {@code Authorization: Bearer $ROLLGATE_CODEC_TOKEN} when set; other payloads, and everything the
 * CLI writes, pass unchanged. The CLI holds no data key.
 */
final class RemoteCodec implements PayloadCodec {
  static final String ENCODING = "binary/encrypted";

  private final String endpoint;
  private final String namespace;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  RemoteCodec(String workerUrl, String namespace, String token) {
    this.endpoint = workerUrl.replaceAll("/+$", "") + "/codec";
    this.namespace = namespace;
    this.token = token;
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    return payloads;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    boolean encrypted =
        payloads.stream()
            .anyMatch(
                p ->
                    p.getMetadataOrDefault("encoding", null) != null
                        && ENCODING.equals(p.getMetadataOrThrow("encoding").toStringUtf8()));
    if (!encrypted) {
      return payloads;
    }
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(endpoint + "/decode"))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .header("X-Namespace", namespace)
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(payloads))));
      if (token != null && !token.isBlank()) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new PayloadCodecException(
            "the worker's codec "
                + endpoint
                + " refused to decode ("
                + response.statusCode()
                + ": "
                + response.body().replaceAll("\\s+", " ").strip()
                + ")"
                + (response.statusCode() == 401 ? "; set ROLLGATE_CODEC_TOKEN" : ""));
      }
      Payloads.Builder out = Payloads.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(response.body(), out);
      return out.getPayloadsList();
    } catch (IOException e) {
      throw new PayloadCodecException(
          "encrypted payload, and the worker's codec "
              + endpoint
              + " is unreachable ("
              + e.getMessage()
              + "); is the worker running? (--worker-url)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PayloadCodecException("interrupted while decoding through " + endpoint, e);
    }
  }
}
