package dev.rollgate.worker.secrets;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * Temporal's remote-codec protocol ({@code POST /codec/encode}, {@code POST /codec/decode}; body
 * and answer {@code {"payloads":[{"metadata":{...},"data":"<base64>"}]}}, the protobuf JSON of
 * {@code Payloads}) over the worker's {@link PayloadCodec}, for the Web UI ({@code
 * --ui-codec-endpoint}) and the CLI ({@code --codec-endpoint}). {@code X-Namespace} is accepted
 * (one codec serves every namespace). With a token configured a request without {@code
 * Authorization: Bearer <token>} gets 401; a malformed body or a payload the codec refuses gets 400
 * with one line in {@code error}.
 */
@RestController
@ConditionalOnEncryptedPayloads
class CodecController {
  static final String PATH = "/codec";

  private final PayloadCodec codec;
  private final byte[] token;

  CodecController(PayloadCodec codec, String token) {
    this.codec = codec;
    this.token =
        token == null || token.isBlank()
            ? null
            : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  /** CORS for the Web UI's origins: credentials, the protocol's headers, preflight answered. */
  static CorsFilter cors(List<String> origins) {
    CorsConfiguration config = new CorsConfiguration();
    config.setAllowedOrigins(origins);
    config.setAllowCredentials(true);
    config.setAllowedMethods(List.of("POST", "OPTIONS"));
    config.setAllowedHeaders(List.of("Authorization", "Content-Type", "X-Namespace"));
    config.setMaxAge(3600L);
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    source.registerCorsConfiguration(PATH + "/**", config);
    return new CorsFilter(source);
  }

  @PostMapping(path = PATH + "/encode", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> encode(
      @RequestBody(required = false) String body,
      @RequestHeader(name = "Authorization", required = false) String authorization,
      @RequestHeader(name = "X-Namespace", required = false) String namespace) {
    return handle(body, authorization, codec::encode);
  }

  @PostMapping(path = PATH + "/decode", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> decode(
      @RequestBody(required = false) String body,
      @RequestHeader(name = "Authorization", required = false) String authorization,
      @RequestHeader(name = "X-Namespace", required = false) String namespace) {
    return handle(body, authorization, codec::decode);
  }

  private ResponseEntity<?> handle(
      String body,
      String authorization,
      UnaryOperator<List<io.temporal.api.common.v1.Payload>> operation) {
    if (token != null
        && (authorization == null
            || !MessageDigest.isEqual(token, authorization.getBytes(StandardCharsets.UTF_8)))) {
      return error(
          HttpStatus.UNAUTHORIZED,
          authorization == null
              ? "codec request without Authorization: Bearer <rollgate.secrets.codec-token>"
              : "codec request with a wrong bearer token");
    }
    if (body == null || body.isBlank()) {
      return error(
          HttpStatus.BAD_REQUEST, "codec request without a body: expected {\"payloads\":[...]}");
    }
    Payloads.Builder in = Payloads.newBuilder();
    try {
      JsonFormat.parser().merge(body, in);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return error(
          HttpStatus.BAD_REQUEST,
          "malformed codec request (expected {\"payloads\":[{\"metadata\":{...},\"data\":\"<base64>\"}]}): "
              + oneLine(e));
    }
    List<io.temporal.api.common.v1.Payload> out;
    try {
      out = operation.apply(in.getPayloadsList());
    } catch (PayloadCodecException e) {
      return error(HttpStatus.BAD_REQUEST, oneLine(e));
    }
    try {
      return ResponseEntity.ok()
          .contentType(MediaType.APPLICATION_JSON)
          .body(JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(out)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("error", message));
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.replaceAll("\\s+", " ").strip();
  }
}
