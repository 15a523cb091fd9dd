package dev.rollgate.starter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpServer;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI's side of the remote-codec protocol (the worker's side is {@code CodecControllerTest}):
 * only encrypted payloads go to {@code /codec/decode}, with the namespace and bearer token; a
 * refusal or an unreachable worker is one clear error. The endpoint here answers as the worker's
 * does, with a fixed plaintext, so the test needs no OpenBao.
 */
class RemoteCodecTest {
  private static final Payload PLAIN =
      DefaultDataConverter.STANDARD_INSTANCE.toPayload("decoded").orElseThrow();
  private static final Payload SEALED =
      Payload.newBuilder()
          .putMetadata("encoding", ByteString.copyFromUtf8("binary/encrypted"))
          .putMetadata("encryption-key-id", ByteString.copyFromUtf8("k1"))
          .setData(ByteString.copyFromUtf8("ciphertext"))
          .build();

  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private volatile int status = 200;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/codec/decode",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Payloads.Builder in = Payloads.newBuilder();
          JsonFormat.parser().merge(body, in);
          seen.add(
              exchange.getRequestHeaders().getFirst("X-Namespace")
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + in.getPayloadsCount());
          byte[] answer =
              (status == 200
                      ? JsonFormat.printer().print(Payloads.newBuilder().addPayloads(PLAIN))
                      : "{\"error\":\"codec request with a wrong bearer token\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private RemoteCodec codec(String token) {
    return new RemoteCodec(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/", "default", token);
  }

  @Test
  void encryptedPayloadsAreDecodedByTheWorkerOthersStayLocal() {
    assertThat(codec("t").decode(List.of(PLAIN))).containsExactly(PLAIN);
    assertThat(seen).isEmpty();

    assertThat(codec("t").decode(List.of(SEALED))).containsExactly(PLAIN);
    assertThat(seen).containsExactly("default Bearer t 1");
    assertThat(codec("t").encode(List.of(PLAIN))).containsExactly(PLAIN);
  }

  @Test
  void aRefusalIsOneClearError() {
    status = 401;
    assertThatThrownBy(() -> codec("wrong").decode(List.of(SEALED)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("refused to decode (401: ")
        .hasMessageContaining("wrong bearer token")
        .hasMessageEndingWith("; set ROLLGATE_CODEC_TOKEN");
  }

  @Test
  void anUnreachableWorkerIsOneClearError() {
    server.stop(0);
    assertThatThrownBy(() -> codec(null).decode(List.of(SEALED)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageStartingWith("encrypted payload, and the worker's codec http://127.0.0.1:")
        .hasMessageEndingWith("is the worker running? (--worker-url)");
  }
}
