package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The constraint cases of the public Unleash client specification (copied verbatim into {@code
 * src/test/resources/conformance/unleash}, origin in the README there), run against Rollgate's
 * rules. Each Unleash strategy's constraints become one Rollgate rule (same operators under
 * Rollgate's names, {@code caseInsensitive} and {@code inverted} (Rollgate's {@code negate})
 * carried over); a test case's {@code expectedResult} is compared with whether that rule matched
 * ({@link FlagEvaluation#rule()}), since Unleash's default strategy needs no user id while
 * Rollgate's rollout hashes one.
 *
 * <p>A constraint Rollgate refuses when the flag is defined (a regular expression that does not
 * compile or could backtrack without bound, an operand that does not parse, an unknown operator)
 * must be one the specification expects never to match, except for the cases listed in {@link
 * #DIFFERENCES}, where Rollgate answers differently on purpose.
 */
class UnleashSpecificationTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Map<String, String> OPERATORS =
      Map.ofEntries(
          Map.entry("IN", "IN"),
          Map.entry("NOT_IN", "NOT_IN"),
          Map.entry("STR_STARTS_WITH", "STARTS_WITH"),
          Map.entry("STR_ENDS_WITH", "ENDS_WITH"),
          Map.entry("STR_CONTAINS", "CONTAINS"),
          Map.entry("NUM_EQ", "NUM_EQ"),
          Map.entry("NUM_GT", "GT"),
          Map.entry("NUM_GTE", "GTE"),
          Map.entry("NUM_LT", "LT"),
          Map.entry("NUM_LTE", "LTE"),
          Map.entry("DATE_AFTER", "DATE_AFTER"),
          Map.entry("DATE_BEFORE", "DATE_BEFORE"),
          Map.entry("SEMVER_EQ", "SEMVER_EQ"),
          Map.entry("SEMVER_GT", "SEMVER_GT"),
          Map.entry("SEMVER_LT", "SEMVER_LT"),
          Map.entry("IN_CIDR", "IN_CIDR"),
          Map.entry("REGEX", "MATCHES"));

  /**
   * Toggle names where Rollgate deliberately answers otherwise, and why. A case listed here must
   * really differ (the test checks), so the list cannot go stale.
   */
  private static final Map<String, String> DIFFERENCES =
      Map.of(
          "F8.missing-field.NOT_IN",
          "every Rollgate operator, not_in included, is false when the attribute is missing",
          "CIDR.mixed.values",
          "Rollgate refuses a range that does not parse when the flag is defined, instead of"
              + " ignoring it at evaluation",
          "CIDR.ipv6.mixed.values",
          "Rollgate refuses a range that does not parse when the flag is defined, instead of"
              + " ignoring it at evaluation");

  static Stream<Arguments> cases() throws IOException {
    List<Arguments> cases = new ArrayList<>();
    for (String file :
        List.of(
            "13-constraint-operators",
            "21-regex-constraint-operators",
            "22-cidr-constraint-operators")) {
      JsonNode spec = read("conformance/unleash/" + file + ".json");
      Map<String, JsonNode> features = new HashMap<>();
      spec.path("state").path("features").forEach(f -> features.put(f.path("name").asText(), f));
      for (JsonNode test : spec.path("tests")) {
        JsonNode feature = features.get(test.path("toggleName").asText());
        cases.add(
            Arguments.of(
                file + ": " + test.path("description").asText(),
                feature,
                test.path("context"),
                test.path("expectedResult").asBoolean()));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void constraintsMatchAsTheSpecificationExpects(
      String description, JsonNode feature, JsonNode context, boolean expected) {
    String name = feature.path("name").asText();
    JsonNode strategies = feature.path("strategies");
    assertThat(strategies).as("one strategy per feature in these files").hasSize(1);
    Translation rule = translate(strategies.get(0).path("constraints"));

    boolean matched;
    if (rule.refusal != null) {
      matched = false; // never stored, so never on
    } else {
      FlagDefinition flag =
          FlagDefinition.newFlag("spec")
              .withRolloutBasisPoints(10_000)
              .withRules(List.of(rule.rule));
      matched =
          FlagSnapshot.of(List.of(flag)).explain("spec", contextOf(context), false).rule() == 1;
    }

    if (DIFFERENCES.containsKey(name)) {
      assertThat(matched)
          .as("%s differs on purpose: %s", name, DIFFERENCES.get(name))
          .isNotEqualTo(expected);
    } else {
      assertThat(matched)
          .as("%s%s", name, rule.refusal == null ? "" : " (refused: " + rule.refusal + ")")
          .isEqualTo(expected);
    }
  }

  /** A translated strategy: the rule, or why Rollgate refuses it. */
  private record Translation(Rule rule, String refusal) {}

  private static Translation translate(JsonNode constraints) {
    List<Condition> conditions = new ArrayList<>();
    for (JsonNode c : constraints) {
      String op = OPERATORS.get(c.path("operator").asText());
      if (op == null) {
        return new Translation(null, "unknown operator " + c.path("operator").asText());
      }
      List<String> values = new ArrayList<>();
      if (c.has("values")) {
        c.path("values").forEach(v -> values.add(v.asText()));
      } else {
        values.add(c.path("value").asText());
      }
      conditions.add(
          new Condition(
              c.path("contextName").asText(),
              Operator.valueOf(op),
              values,
              c.path("caseInsensitive").asBoolean(false),
              c.path("inverted").asBoolean(false)));
    }
    Rule rule = new Rule(conditions);
    String problem = FlagValidation.rulesProblem(List.of(rule));
    return problem == null ? new Translation(rule, null) : new Translation(null, problem);
  }

  /** Unleash's context: userId, remoteAddress, currentTime and free-form properties. */
  private static EvaluationContext contextOf(JsonNode context) {
    Map<String, String> attributes = new LinkedHashMap<>();
    context
        .properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("properties") && !e.getKey().equals("userId")) {
                attributes.put(e.getKey(), e.getValue().asText());
              }
            });
    context
        .path("properties")
        .properties()
        .forEach(
            e -> {
              if (!e.getValue().isNull()) {
                attributes.put(e.getKey(), e.getValue().asText());
              }
            });
    String userId = context.hasNonNull("userId") ? context.get("userId").asText() : null;
    return EvaluationContext.of(userId, attributes);
  }

  static JsonNode read(String resource) throws IOException {
    try (InputStream in =
        UnleashSpecificationTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return JSON.readTree(in);
    }
  }
}
