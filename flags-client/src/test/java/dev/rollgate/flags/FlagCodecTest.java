package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlagCodecTest {

  private static FlagDefinition fullFlag() {
    return FlagDefinition.newFlag("new_checkout")
        .withVersion(7)
        .withRolloutBasisPoints(2_550)
        .withSalt("s1")
        .withStickiness("orgId")
        .withAllowUsers(List.of("alice", "bob"))
        .withDenyUsers(List.of("mallory"))
        .withRules(
            List.of(
                Rule.of(
                    Condition.of("country", Operator.IN, "DE", "FR"),
                    Condition.of("appVersion", Operator.SEMVER_GTE, "2.4.0")),
                Rule.of(Condition.of("plan", Operator.EQ, "enterprise"))))
        .withUpdated("rollout/new_checkout", 1_767_225_600_000L);
  }

  @Test
  void roundTripPreservesEveryField() {
    FlagDefinition flag = fullFlag().withKilled(true).withEnabled(false);

    FlagDefinition decoded = FlagCodec.fromJson(FlagCodec.toJson(flag));

    assertThat(decoded).isEqualTo(flag);
    assertThat(decoded.rules().get(0).conditions().get(1).op()).isEqualTo(Operator.SEMVER_GTE);
  }

  @Test
  void writesRecordComponentNamesAndNoDerivedProperties() {
    String json = FlagCodec.toJson(fullFlag());

    assertThat(json)
        .startsWith("{\"name\":\"new_checkout\",\"version\":7,\"enabled\":true,\"killed\":false,")
        .contains("\"rolloutBasisPoints\":2550", "\"salt\":\"s1\"", "\"stickiness\":\"orgId\"")
        .contains("\"allowUsers\":[\"alice\",\"bob\"]", "\"denyUsers\":[\"mallory\"]")
        .contains("{\"attribute\":\"country\",\"op\":\"IN\",\"values\":[\"DE\",\"FR\"]}")
        .contains("\"updatedBy\":\"rollout/new_checkout\"", "\"updatedAtMillis\":1767225600000")
        .doesNotContain("rolloutPercent");
  }

  @Test
  void fillsDefaultsForOmittedFieldsAndIgnoresUnknownOnes() {
    FlagDefinition flag =
        FlagCodec.fromJson(
            "{\"name\":\"beta\",\"version\":2,\"enabled\":true,\"rolloutBasisPoints\":100,"
                + "\"futureField\":{\"x\":1}}");

    assertThat(flag.salt()).isEqualTo("beta");
    assertThat(flag.stickiness()).isEqualTo("userId");
    assertThat(flag.allowUsers()).isEmpty();
    assertThat(flag.denyUsers()).isEmpty();
    assertThat(flag.rules()).isEmpty();
    assertThat(flag.updatedBy()).isEmpty();
    assertThat(flag.killed()).isFalse();
    assertThat(flag.rolloutPercent()).isEqualTo(1.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "null", "{", "not json", "[]", "{\"name\":\"a\"} trailing"})
  void rejectsMalformedJsonWithIllegalArgumentException(String json) {
    assertThatThrownBy(() -> FlagCodec.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid flag JSON: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void rejectsNullInput() {
    assertThatThrownBy(() -> FlagCodec.fromJson(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid flag JSON: empty input");
  }

  @Test
  void reportsValidationFailuresOfTheModelAsTheReason() {
    assertThatThrownBy(() -> FlagCodec.fromJson("{\"name\":\"bad name\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid flag JSON: flag name may contain only")
        .hasMessageContaining("a space at position 4");
    assertThatThrownBy(() -> FlagCodec.fromJson("{\"name\":\"a\",\"rolloutBasisPoints\":10001}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid flag JSON: flag a: rolloutBasisPoints must be within 0..10000, was 10001");
    assertThatThrownBy(() -> FlagCodec.fromJson("{\"enabled\":true}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid flag JSON: flag name is empty");
  }

  @Test
  void rejectsUnknownOperatorsAndWrongTypes() {
    assertThatThrownBy(
            () ->
                FlagCodec.fromJson(
                    "{\"name\":\"a\",\"rules\":[{\"conditions\":"
                        + "[{\"attribute\":\"x\",\"op\":\"LIKE\",\"values\":[\"y\"]}]}]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LIKE");
    assertThatThrownBy(() -> FlagCodec.fromJson("{\"name\":\"a\",\"version\":\"seven\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid flag JSON: ");
    assertThatThrownBy(() -> FlagCodec.fromJson("{\"name\":\"a\",\"allowUsers\":[null]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid flag JSON: a list contains null");
  }

  @Test
  void rejectsConditionsWithoutAttributeOrOperator() {
    assertThatThrownBy(
            () ->
                FlagCodec.fromJson(
                    "{\"name\":\"a\",\"rules\":[{\"conditions\":[{\"op\":\"EQ\"}]}]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid flag JSON: condition attribute must not be blank");
    assertThatThrownBy(
            () ->
                FlagCodec.fromJson(
                    "{\"name\":\"a\",\"rules\":[{\"conditions\":[{\"attribute\":\"x\"}]}]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid flag JSON: condition on x has no operator");
  }
}
