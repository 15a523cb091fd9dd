package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollgate.starter.cli.Console;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags set --variation-type/--variant/--off-variant} and {@code flags eval} on a
 * multivariate flag: what they send and how they print the worker's answer, against {@link
 * FakeWorkerApi} (the real endpoint, with validation and evaluation, is FlagAdminControllerTest's).
 */
class FlagsVariantCliTest {
  private FakeWorkerApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeWorkerApi(FlagsVariantCliTest::answer);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static FakeWorkerApi.Answer answer(String method, String path, JsonNode in) {
    if (method.equals("PUT")) {
      ObjectNode flag = Console.JSON.createObjectNode();
      flag.put("name", "button_color").put("version", 2).put("enabled", true);
      flag.put("rolloutBasisPoints", 10000).put("salt", "button_color").put("updatedBy", "bob");
      flag.putArray("rules")
          .addObject()
          .put("variant", "blue")
          .putArray("conditions")
          .addObject()
          .put("attribute", "plan")
          .put("op", "EQ")
          .putArray("values")
          .add("pro");
      flag.put("variationType", "STRING");
      flag.putArray("variants")
          .add(
              Console.JSON
                  .createObjectNode()
                  .put("name", "red")
                  .put("value", "#f00")
                  .put("weightBasisPoints", 2500))
          .add(
              Console.JSON
                  .createObjectNode()
                  .put("name", "blue")
                  .put("value", "#00f")
                  .put("weightBasisPoints", 7500));
      flag.put("offVariant", "red");
      return new FakeWorkerApi.Answer(200, flag);
    }
    ObjectNode result = Console.JSON.createObjectNode();
    result.put("flag", "button_color").put("version", 2).put("enabled", true);
    result.put("rolloutPercent", 100.0).put("bucket", 4321).put("reason", "ROLLOUT");
    result.put("variant", "blue").put("variantValue", "#00f").put("variantSource", "weight");
    result.put("variantBucket", 8123);
    result.put(
        "explanation",
        "ON: bucket 4321 < 10000 (100 %); variant blue (weight 75 %, owns variant bucket 8123)");
    return new FakeWorkerApi.Answer(200, result);
  }

  @Test
  void setSendsTypedVariantsWeightsAndTheOffVariantAndPrintsThem() {
    FakeWorkerApi.Result r =
        api.cli(
            "flags",
            "set",
            "button_color",
            "--variation-type",
            "string",
            "--variant",
            "red=#f00:25",
            "--variant",
            "blue=#00f:75",
            "--off-variant",
            "red",
            "--rule",
            "plan eq pro => blue",
            "--by",
            "bob");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(api.requests)
        .containsExactly(
            "PUT /api/flags/button_color {\"by\":\"bob\",\"rules\":[\"plan eq pro => blue\"],"
                + "\"variationType\":\"string\",\"variants\":[{\"name\":\"red\",\"value\":\"#f00\","
                + "\"weight\":25},{\"name\":\"blue\",\"value\":\"#00f\",\"weight\":75}],"
                + "\"offVariant\":\"red\"}");
    assertThat(r.out())
        .contains(
            "Rule       plan eq pro => blue\n",
            "Variants   string (variant salt button_color/variants)\n",
            "  red                           25 %  \"#f00\"\n",
            "  blue                          75 %  \"#00f\"\n",
            "Off        red\n");
  }

  @Test
  void numberAndJsonValuesAreSentTypedAndBadOnesAreExit2() {
    api.cli(
        "flags",
        "set",
        "limits",
        "--variation-type",
        "number",
        "--variant",
        "low=10:50",
        "--variant",
        "high=2.5:50",
        "--by",
        "bob");
    api.cli(
        "flags",
        "set",
        "layout",
        "--variation-type",
        "json",
        "--variant",
        "grid={\"cols\":3,\"gap\":\"1:2\"}:100",
        "--by",
        "bob");

    assertThat(api.requests)
        .containsExactly(
            "PUT /api/flags/limits {\"by\":\"bob\",\"variationType\":\"number\",\"variants\":["
                + "{\"name\":\"low\",\"value\":10,\"weight\":50},"
                + "{\"name\":\"high\",\"value\":2.5,\"weight\":50}]}",
            "PUT /api/flags/layout {\"by\":\"bob\",\"variationType\":\"json\",\"variants\":["
                + "{\"name\":\"grid\",\"value\":{\"cols\":3,\"gap\":\"1:2\"},\"weight\":100}]}");

    FakeWorkerApi.Result notJson =
        api.cli(
            "flags",
            "set",
            "layout",
            "--variation-type",
            "json",
            "--variant",
            "grid={cols:3:100",
            "--by",
            "b");
    assertThat(notJson.exit()).isEqualTo(2);
    assertThat(notJson.err().strip())
        .isEqualTo("rollgate: --variant grid: value '{cols:3' is not JSON");
    FakeWorkerApi.Result noWeight = api.cli("flags", "set", "x", "--variant", "a=b", "--by", "b");
    assertThat(noWeight.exit()).isEqualTo(2);
    assertThat(noWeight.err().strip())
        .isEqualTo("rollgate: --variant 'a=b' must be NAME=VALUE:WEIGHT");
    FakeWorkerApi.Result fine =
        api.cli("flags", "set", "x", "--variant", "a=b:33.333", "--by", "b");
    assertThat(fine.exit()).isEqualTo(2);
    assertThat(fine.err().strip())
        .isEqualTo(
            "rollgate: --variant a weight 33.333 is finer than one basis point: use at most two"
                + " decimals (0.01 %)");
    FakeWorkerApi.Result type =
        api.cli("flags", "set", "x", "--variation-type", "color", "--by", "b");
    assertThat(type.exit()).isEqualTo(2);
    assertThat(api.requests).hasSize(2);
  }

  @Test
  void evalShowsTheVariantAndExplainHowItWasChosen() {
    FakeWorkerApi.Result r = api.cli("flags", "eval", "button_color", "--user", "u1", "--explain");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "button_color for u1: ON (version 2, rollout 100.0 %, bucket 4321 of 10000)\n"
                + "  variant      blue = \"#00f\"\n"
                + "  reason       ROLLOUT\n"
                + "  explanation  ON: bucket 4321 < 10000 (100 %); variant blue (weight 75 %, owns"
                + " variant bucket 8123)\n");
  }
}
