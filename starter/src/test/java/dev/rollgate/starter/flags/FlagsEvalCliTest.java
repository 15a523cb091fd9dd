package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollgate.starter.cli.Console;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags eval [--explain]} and {@code flags set --prerequisite}: what they send and
 * how they print the worker's answer, against {@link FakeWorkerApi} (the real endpoints, with the
 * explanation flags-client computes, are tested in the worker module, FlagAdminControllerTest).
 */
class FlagsEvalCliTest {
  private FakeWorkerApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeWorkerApi(FlagsEvalCliTest::answer);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static FakeWorkerApi.Answer answer(String method, String path, JsonNode in) {
    if (method.equals("PUT")) {
      ObjectNode flag = Console.JSON.createObjectNode();
      flag.put("name", "new_checkout").put("version", 4).put("enabled", true);
      flag.put("rolloutBasisPoints", 2500).put("updatedBy", "bob");
      flag.set("prerequisites", in.path("prerequisites"));
      return new FakeWorkerApi.Answer(200, flag);
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
    return new FakeWorkerApi.Answer(200, body);
  }

  private FakeWorkerApi.Result cli(String... args) {
    return api.cli(args);
  }

  @Test
  void explainPrintsTheReasonTheMatchingRuleAndTheExplanation() {
    FakeWorkerApi.Result r =
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
    assertThat(api.requests)
        .containsExactly(
            "POST /api/flags/new_checkout/evaluate"
                + " {\"user\":\"user-42\",\"attributes\":{\"email\":\"a@x.com\"}}");
  }

  @Test
  void withoutARuleMatchedThereIsNoRuleLineAndWithoutExplainJustTheAnswer() {
    FakeWorkerApi.Result explained =
        cli("flags", "eval", "new_checkout", "--user", "u9", "--explain");
    assertThat(explained.out())
        .isEqualTo(
            "new_checkout for u9: OFF (version 3, rollout 25.0 %, bucket 77 of 10000)\n"
                + "  reason       NO_RULE_MATCHED\n"
                + "  explanation  OFF: no rule matched\n");

    FakeWorkerApi.Result plain = cli("flags", "eval", "new_checkout", "--user", "u9");
    assertThat(plain.out())
        .isEqualTo("new_checkout for u9: OFF (version 3, rollout 25.0 %, bucket 77 of 10000)\n");
  }

  @Test
  void setSendsPrerequisitesAndPrintsThem() {
    FakeWorkerApi.Result r =
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
    assertThat(api.requests)
        .containsExactly(
            "PUT /api/flags/new_checkout {\"by\":\"bob\",\"prerequisites\":[{\"flag\":\"new_api\","
                + "\"on\":true},{\"flag\":\"legacy_ui\",\"on\":false}]}");
    assertThat(r.out()).contains("Requires   new_api (on), legacy_ui (off)\n");

    FakeWorkerApi.Result bad =
        cli("flags", "set", "new_checkout", "--prerequisite", "new_api=maybe", "--by", "b");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err().strip())
        .isEqualTo("rollgate: --prerequisite 'new_api=maybe' must be FLAG, FLAG=on or FLAG=off");
  }
}
