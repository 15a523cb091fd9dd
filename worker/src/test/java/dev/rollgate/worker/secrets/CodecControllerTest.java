package dev.rollgate.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.ZlibPayloadCodec;
import java.util.List;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The remote-codec endpoint over a real codec (the SDK's zlib codec: the protocol does not depend
 * on which; {@code EncryptingCodecTest} covers the encryption against a real OpenBao): round trip
 * in Temporal's JSON, one-line 400 for a malformed body, 401 without or with a wrong token, and the
 * CORS preflight the Web UI sends.
 */
class CodecControllerTest {
  private static final String UI = "http://localhost:8233";

  private final MockMvc mvc =
      MockMvcBuilders.standaloneSetup(new CodecController(new ZlibPayloadCodec(), "s3cret"))
          .addFilters(CodecController.cors(List.of("http://127.0.0.1:8233", UI)))
          .build();

  private static String json(Object... values) throws Exception {
    Payloads.Builder payloads = Payloads.newBuilder();
    for (Object value : values) {
      payloads.addPayloads(DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow());
    }
    return JsonFormat.printer().print(payloads);
  }

  private String call(String verb, String body) throws Exception {
    return mvc.perform(
            post("/codec/" + verb)
                .contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer s3cret")
                .header("X-Namespace", "default")
                .header("Origin", UI)
                .content(body))
        .andExpect(status().isOk())
        .andExpect(header().string("Access-Control-Allow-Origin", UI))
        .andExpect(header().string("Access-Control-Allow-Credentials", "true"))
        .andReturn()
        .getResponse()
        .getContentAsString();
  }

  @Test
  void encodeThenDecodeGivesThePayloadsBack() throws Exception {
    String plain = json("a long enough input ".repeat(20), 42);

    String encoded = call("encode", plain);
    Payloads sealed = parse(encoded);
    assertThat(sealed.getPayloadsCount()).isEqualTo(2);
    assertThat(sealed.getPayloads(0).getMetadataMap().get("encoding").toStringUtf8())
        .isEqualTo("binary/zlib");

    assertThat(parse(call("decode", encoded))).isEqualTo(parse(plain));
  }

  private static Payloads parse(String json) throws Exception {
    Payloads.Builder builder = Payloads.newBuilder();
    JsonFormat.parser().merge(json, builder);
    return builder.build();
  }

  @Test
  void aMalformedBodyIsOneClear400() throws Exception {
    mvc.perform(
            post("/codec/decode")
                .header("Authorization", "Bearer s3cret")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"payloads\": [{\"data\": 12}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value(Matchers.startsWith("malformed codec request")))
        .andExpect(jsonPath("$.error").value(Matchers.not(Matchers.containsString("\n"))));
  }

  @Test
  void withoutOrWithAWrongTokenIs401() throws Exception {
    mvc.perform(post("/codec/decode").contentType(MediaType.APPLICATION_JSON).content(json("x")))
        .andExpect(status().isUnauthorized())
        .andExpect(
            jsonPath("$.error")
                .value(
                    "codec request without Authorization: Bearer <rollgate.secrets.codec-token>"));
    mvc.perform(
            post("/codec/encode")
                .header("Authorization", "Bearer guess")
                .contentType(MediaType.APPLICATION_JSON)
                .content(json("x")))
        .andExpect(status().isUnauthorized())
        .andExpect(jsonPath("$.error").value("codec request with a wrong bearer token"));
  }

  @Test
  void thePreflightOfTheWebUiIsAllowed() throws Exception {
    mvc.perform(
            options("/codec/decode")
                .header("Origin", UI)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,x-namespace"))
        .andExpect(status().isOk())
        .andExpect(header().string("Access-Control-Allow-Origin", UI))
        .andExpect(header().string("Access-Control-Allow-Credentials", "true"))
        .andExpect(
            header()
                .string(
                    "Access-Control-Allow-Headers",
                    Matchers.allOf(
                        Matchers.containsStringIgnoringCase("authorization"),
                        Matchers.containsStringIgnoringCase("content-type"),
                        Matchers.containsStringIgnoringCase("x-namespace"))))
        .andExpect(
            header().string("Access-Control-Allow-Methods", Matchers.containsString("POST")));
    mvc.perform(
            options("/codec/decode")
                .header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST"))
        .andExpect(status().isForbidden());
  }
}
