package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Semantic Versioning 2.0.0, checked against the spec's own examples (§9, §10, §11). */
class SemanticVersionTest {

  private static SemanticVersion v(String text) {
    SemanticVersion version = SemanticVersion.parse(text);
    assertThat(version).as(text).isNotNull();
    return version;
  }

  private static void assertStrictlyAscending(List<String> chain) {
    for (int i = 0; i < chain.size(); i++) {
      for (int j = 0; j < chain.size(); j++) {
        int expected = Integer.signum(Integer.compare(i, j));
        assertThat(Integer.signum(v(chain.get(i)).compareTo(v(chain.get(j)))))
            .as("%s vs %s", chain.get(i), chain.get(j))
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void preReleasePrecedenceFollowsTheSpecExampleChain() {
    assertStrictlyAscending(
        List.of(
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0"));
  }

  @Test
  void releasePrecedenceComparesMajorMinorPatchNumerically() {
    assertStrictlyAscending(List.of("1.0.0", "2.0.0", "2.1.0", "2.1.1", "2.10.0", "10.0.0"));
  }

  @Test
  void numericPreReleaseIdentifiersCompareAsNumbersOfAnyLength() {
    assertStrictlyAscending(
        List.of(
            "1.0.0-9", "1.0.0-10", "1.0.0-99999999999999999999", "1.0.0-100000000000000000000"));
  }

  @Test
  void numericIdentifiersRankBelowAlphanumericOnesAndLongerListsWinOnEqualPrefix() {
    assertStrictlyAscending(List.of("1.0.0-1", "1.0.0-1.0", "1.0.0-1a", "1.0.0-a", "1.0.0-a.0"));
    assertStrictlyAscending(List.of("1.0.0-A", "1.0.0-B", "1.0.0-a", "1.0.0-b"));
  }

  @Test
  void buildMetadataIsIgnoredForPrecedence() {
    assertThat(v("1.0.0+20130313144700").compareTo(v("1.0.0+exp.sha.5114f85"))).isZero();
    assertThat(v("1.0.0-beta+exp.sha.5114f85")).isEqualTo(v("1.0.0-beta"));
    assertThat(v("1.0.0-beta+a").hashCode()).isEqualTo(v("1.0.0-beta+b").hashCode());
    assertThat(v("1.0.0+001").compareTo(v("1.0.0-rc.1"))).isPositive();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0",
        "1.0.0-0.3.7",
        "1.0.0-x.7.z.92",
        "1.0.0-x-y-z.--",
        "1.0.0-alpha+001",
        "1.0.0+21AF26D3----117B344092BD",
        "1.0.0-0",
        "1.0.0-0a",
        "1.0.0-00a",
        "999999999999999999.0.0"
      })
  void acceptsTheSpecsValidForms(String text) {
    assertThat(SemanticVersion.problem(text)).isNull();
    assertThat(SemanticVersion.parse(text)).isNotNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "01.0.0|the major version has a leading zero",
        "1.01.0|the minor version has a leading zero",
        "1.0.01|the patch version has a leading zero",
        "1.0.0-01|the numeric pre-release identifier '01' has a leading zero",
        "1.0.0-alpha.00|the numeric pre-release identifier '00' has a leading zero",
        "1.0.0-alpha..1|the pre-release has an empty identifier",
        "1.0.0-|the pre-release has an empty identifier",
        "1.0.0-alpha.|the pre-release has an empty identifier",
        "1.0.0+|the build metadata has an empty identifier",
        "1.0.0+a..b|the build metadata has an empty identifier",
        "1.0.0-al_pha|the pre-release may contain only [0-9A-Za-z-] and dots",
        "1.0|it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0",
        "1|it must have the form MAJOR.MINOR.PATCH, e.g. 1.4.0",
        "v1.2.3|it must start with MAJOR.MINOR.PATCH, e.g. 1.4.0",
        "1.2.3.4|unexpected '.' after MAJOR.MINOR.PATCH",
        "'1.2.3 '|unexpected ' ' after MAJOR.MINOR.PATCH",
        "1000000000000000000.0.0|the major version has more than 18 digits"
      })
  void rejectsLeadingZerosEmptyIdentifiersAndIncompleteVersionsSayingWhy(
      String text, String problem) {
    assertThat(SemanticVersion.problem(text)).isEqualTo(problem);
    assertThat(SemanticVersion.parse(text)).isNull();
  }

  @Test
  void rejectsEmptyAndNull() {
    assertThat(SemanticVersion.problem("")).isEqualTo("it is empty");
    assertThat(SemanticVersion.parse(null)).isNull();
  }

  @Test
  void printsWithoutBuildMetadata() {
    assertThat(v("1.2.3-rc.1+build.5")).hasToString("1.2.3-rc.1");
    assertThat(v("1.2.3+build.5")).hasToString("1.2.3");
  }
}
