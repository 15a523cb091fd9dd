package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.cli.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags eval [--explain]}: what it sends and how it prints the worker's answer. The
 * API is a small JDK HttpServer answering as {@code POST /api/flags/{name}/evaluate} does (the real
 * endpoint, with the explanation flags-client computes, is tested in the worker module,
 * FlagAdminControllerTest).
 */
class FlagsEvalCliTest {
  private HttpServer api;
  private String workerUrl;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void start() throws IOException {
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/api/flags", this::handle);
    api.start();
    workerUrl = "http://127.0.0.1:" + api.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    api.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    JsonNode in = Console.JSON.readTree(ex.getRequestBody());
    requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + in);
    if (ex.getRequestMethod().equals("PUT")) {
      ObjectNode flag = Console.JSON.createObjectNode();
      flag.put("name", "new_checkout").put("version", 4).put("enabled", true);
      flag.put("rolloutBasisPoints", 2500).put("updatedBy", "bob");
      flag.set("prerequisites", in.path("prerequisites"));
      reply(ex, Console.JSON.writeValueAsString(flag));
      return;
    }
    Map<String, Object> body =
        in.path("user").asText().equals("user-42")
            ? Map.of(
                "flag",
                "new_checkout",
                "version",
                3,
                "enabled",
                true,
                "rolloutPercent",
                25.0,
                "bucket",
                1234,
                "reason",
                "ROLLOUT",
                "rule",
                2,
                "ruleText",
                "email ends_with:i @example.com",
                "explanation",
                "ON: rule 2 matched, bucket 1234 < 2500 (25 %)")
            : Map.of(
                "flag",
                "new_checkout",
                "version",
                3,
                "enabled",
                false,
                "rolloutPercent",
                25.0,
                "bucket",
                77,
                "reason",
                "NO_RULE_MATCHED",
                "explanation",
                "OFF: no rule matched");
    reply(ex, Console.JSON.writeValueAsString(body));
  }

  private static void reply(HttpExchange ex, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  private Result cli(String... args) {
    String[] all = new String[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--worker-url=" + workerUrl;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), all);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void explainPrintsTheReasonTheMatchingRuleAndTheExplanation() {
    Result r =
        cli(
            "flags",
            "eval",
            "new_checkout",
            "--user",
            "user-42",
            "--attr",
            "email=a@x.com",
            "--explain");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "new_checkout for user-42: ON (version 3, rollout 25.0 %, bucket 1234 of 10000)\n"
                + "  reason       ROLLOUT\n"
                + "  rule         2: email ends_with:i @example.com\n"
                + "  explanation  ON: rule 2 matched, bucket 1234 < 2500 (25 %)\n");
    assertThat(requests)
        .containsExactly(
            "POST /api/flags/new_checkout/evaluate"
                + " {\"user\":\"user-42\",\"attributes\":{\"email\":\"a@x.com\"}}");
  }

  @Test
  void withoutARuleMatchedThereIsNoRuleLineAndWithoutExplainJustTheAnswer() {
    Result explained = cli("flags", "eval", "new_checkout", "--user", "u9", "--explain");
    assertThat(explained.out())
        .isEqualTo(
            "new_checkout for u9: OFF (version 3, rollout 25.0 %, bucket 77 of 10000)\n"
                + "  reason       NO_RULE_MATCHED\n"
                + "  explanation  OFF: no rule matched\n");

    Result plain = cli("flags", "eval", "new_checkout", "--user", "u9");
    assertThat(plain.out())
        .isEqualTo("new_checkout for u9: OFF (version 3, rollout 25.0 %, bucket 77 of 10000)\n");
  }

  @Test
  void setSendsPrerequisitesAndPrintsThem() {
    Result r =
        cli(
            "flags",
            "set",
            "new_checkout",
            "--prerequisite",
            "new_api",
            "--prerequisite",
            "legacy_ui=off",
            "--by",
            "bob");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(requests)
        .containsExactly(
            "PUT /api/flags/new_checkout {\"by\":\"bob\",\"prerequisites\":[{\"flag\":\"new_api\","
                + "\"on\":true},{\"flag\":\"legacy_ui\",\"on\":false}]}");
    assertThat(r.out()).contains("Requires   new_api (on), legacy_ui (off)\n");

    Result bad =
        cli("flags", "set", "new_checkout", "--prerequisite", "new_api=maybe", "--by", "b");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err().strip())
        .isEqualTo("rollgate: --prerequisite 'new_api=maybe' must be FLAG, FLAG=on or FLAG=off");
  }
}
