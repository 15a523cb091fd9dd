package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlagNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "new_checkout", "Checkout.V2", "0day", "team-a.search_v3-beta", "X"})
  void acceptsLettersDigitsDotsUnderscoresAndDashes(String name) {
    assertThat(FlagNames.problem(name)).isNull();
    assertThat(FlagNames.isValid(name)).isTrue();
  }

  @Test
  void acceptsExactly128CharactersAndRejects129() {
    assertThat(FlagNames.problem("a".repeat(128))).isNull();
    assertThat(FlagNames.problem("a".repeat(129)))
        .isEqualTo("flag name is 129 characters long; at most 128");
  }

  @Test
  void rejectsNullAndEmpty() {
    assertThat(FlagNames.problem(null)).isEqualTo("flag name is empty");
    assertThat(FlagNames.problem("")).isEqualTo("flag name is empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"_hidden", ".dot", "-dash"})
  void rejectsNamesNotStartingWithLetterOrDigit(String name) {
    assertThat(FlagNames.problem(name)).contains("must start with a letter or digit");
  }

  @Test
  void rejectsSpacesQuotesAndNonAsciiNamingTheCharacterAndPosition() {
    assertThat(FlagNames.problem("new checkout"))
        .isEqualTo(
            "flag name may contain only letters, digits, '.', '_' and '-'; found a space at position 4");
    assertThat(FlagNames.problem("a\"b")).contains("found '\"' at position 2");
    assertThat(FlagNames.problem("ab'")).contains("found ''' at position 3");
    assertThat(FlagNames.problem("café")).contains("found U+00E9 at position 4");
    assertThat(FlagNames.problem("a:b")).contains("':'");
    assertThat(FlagNames.problem("a\nb")).contains("U+000A").doesNotContain("\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "a/../b", "a\\b", "a%2Fb"})
  void rejectsPathLikeNames(String name) {
    assertThat(FlagNames.problem(name))
        .startsWith("flag name may contain only letters, digits, '.', '_' and '-'; found ");
  }

  @Test
  void rejectsDotDotAsAName() {
    assertThat(FlagNames.problem(".."))
        .isEqualTo("flag name must start with a letter or digit (A-Z, a-z, 0-9)");
  }
}
