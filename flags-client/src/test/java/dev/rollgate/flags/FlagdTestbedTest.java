package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * flagd-testbed's string-comparison scenario ({@code evaluator/gherkin/string.feature} with the
 * {@code starts-ends-flag} it evaluates; copied into {@code src/test/resources/conformance/flagd},
 * origin in the README there). flagd's targeting is {@code if starts_with(id, "abc") then prefix
 * else if ends_with(id, "xyz") then postfix else none}: as Rollgate rules, rule 1 {@code id
 * starts_with abc}, rule 2 {@code id ends_with xyz}, first match wins, and the matching rule
 * ({@link FlagEvaluation#rule()}) names the variant.
 */
class FlagdTestbedTest {

  @Test
  void startsWithAndEndsWithPickTheVariantsFlagdPicks() throws IOException {
    JsonNode targeting =
        UnleashSpecificationTest.read("conformance/flagd/starts-ends-flag.json")
            .path("flags")
            .path("starts-ends-flag")
            .path("targeting")
            .path("if");
    // the copied definition is the one translated below
    assertThat(targeting.get(0).path("starts_with").get(1).asText()).isEqualTo("abc");
    assertThat(targeting.get(2).path("if").get(0).path("ends_with").get(1).asText())
        .isEqualTo("xyz");
    FlagSnapshot snapshot =
        FlagSnapshot.of(
            List.of(
                FlagDefinition.newFlag("starts-ends-flag")
                    .withRolloutBasisPoints(10_000)
                    .withRules(
                        List.of(
                            Rule.of(Condition.of("id", Operator.STARTS_WITH, "abc")),
                            Rule.of(Condition.of("id", Operator.ENDS_WITH, "xyz"))))));
    String[] variants = {"none", "prefix", "postfix"};

    List<String[]> examples = substringExamples();
    assertThat(examples).hasSize(4);
    for (String[] example : examples) {
      FlagEvaluation evaluation =
          snapshot.explain(
              "starts-ends-flag", EvaluationContext.of("u", Map.of("id", example[0])), false);
      assertThat(variants[evaluation.rule()]).as("id %s", example[0]).isEqualTo(example[1]);
    }
  }

  /** The rows {@code | id | value |} of the feature's first Examples table. */
  private static List<String[]> substringExamples() throws IOException {
    String feature;
    try (InputStream in =
        FlagdTestbedTest.class
            .getClassLoader()
            .getResourceAsStream("conformance/flagd/string.feature")) {
      feature = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String[]> rows = new ArrayList<>();
    boolean inTable = false;
    for (String line : feature.lines().toList()) {
      String t = line.trim();
      if (t.startsWith("| id")) {
        inTable = true;
        continue;
      }
      if (inTable && !t.startsWith("|")) {
        break;
      }
      if (inTable) {
        String[] cells = t.substring(1, t.length() - 1).split("\\|");
        rows.add(new String[] {cells[0].trim(), cells[1].trim()});
      }
    }
    return rows;
  }
}
