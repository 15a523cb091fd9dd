package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The string, regular-expression, CIDR, date and case-insensitive operators. */
class OperatorsTest {

  private static boolean matches(Condition condition, String attributeValue) {
    assertThat(FlagValidation.conditionProblem(condition)).as("valid condition").isNull();
    FlagDefinition flag =
        FlagDefinition.newFlag("f")
            .withRolloutBasisPoints(10_000)
            .withRules(List.of(Rule.of(condition)));
    EvaluationContext ctx =
        attributeValue == null
            ? EvaluationContext.of("u")
            : EvaluationContext.of("u", Map.of(condition.attribute(), attributeValue));
    return FlagSnapshot.of(List.of(flag)).isEnabled("f", ctx);
  }

  @Test
  void startsEndsWithAndContainsMatchAnyValueAndAreCaseSensitiveByDefault() {
    Condition starts = Condition.of("email", Operator.STARTS_WITH, "admin@", "root@");
    assertThat(matches(starts, "root@example.com")).isTrue();
    assertThat(matches(starts, "Admin@example.com")).isFalse();
    assertThat(matches(starts, "x-admin@example.com")).isFalse();
    Condition ends = Condition.of("email", Operator.ENDS_WITH, "@example.com");
    assertThat(matches(ends, "a@example.com")).isTrue();
    assertThat(matches(ends, "a@example.com.evil")).isFalse();
    Condition contains = Condition.of("ua", Operator.CONTAINS, "Firefox", "Gecko");
    assertThat(matches(contains, "Mozilla/5.0 Gecko/20100101")).isTrue();
    assertThat(matches(contains, "Mozilla/5.0 Chrome")).isFalse();
    assertThat(matches(contains, null)).as("missing attribute").isFalse();
  }

  @Test
  void caseInsensitiveConditionsLowerBothSides() {
    assertThat(
            matches(
                Condition.ignoringCase("email", Operator.ENDS_WITH, "@Example.COM"),
                "a@EXAMPLE.com"))
        .isTrue();
    assertThat(matches(Condition.ignoringCase("country", Operator.IN, "de", "fr"), "DE")).isTrue();
    assertThat(matches(Condition.ignoringCase("country", Operator.NOT_IN, "de"), "De")).isFalse();
    assertThat(matches(Condition.ignoringCase("plan", Operator.EQ, "Pro"), "PRO")).isTrue();
    assertThat(matches(Condition.ignoringCase("plan", Operator.NEQ, "Pro"), "pro")).isFalse();
    assertThat(matches(Condition.ignoringCase("ua", Operator.CONTAINS, "FIREFOX"), "x firefox y"))
        .isTrue();
    assertThat(matches(Condition.ignoringCase("id", Operator.MATCHES, "^user-[a-z]+$"), "USER-Ab"))
        .isTrue();
    assertThat(matches(Condition.of("id", Operator.MATCHES, "^user-[a-z]+$"), "USER-Ab")).isFalse();
  }

  @Test
  void regularExpressionsAreFoundUnlessAnchored() {
    assertThat(matches(Condition.of("path", Operator.MATCHES, "/beta/"), "/app/beta/x")).isTrue();
    assertThat(matches(Condition.of("path", Operator.MATCHES, "^/beta/"), "/app/beta/x")).isFalse();
    assertThat(matches(Condition.of("id", Operator.MATCHES, "^[[:alpha:]]+\\d{2}$"), "abc12"))
        .isTrue();
    assertThat(matches(Condition.of("id", Operator.MATCHES, "^(ab)?c$"), "abc")).isTrue();
    assertThat(matches(Condition.of("id", Operator.MATCHES, "^(foo|fo)$"), "fo")).isTrue();
  }

  @Test
  void regularExpressionsThatCouldBacktrackWithoutBoundAreRefused() {
    assertThat(BoundedRegex.problem("(a+)+$"))
        .startsWith("repeats a group that holds a quantifier");
    assertThat(BoundedRegex.problem("^(a*b?)*c"))
        .startsWith("repeats a group that holds a quantifier");
    assertThat(BoundedRegex.problem("((ab)*c)+"))
        .startsWith("repeats a group that holds a quantifier");
    assertThat(BoundedRegex.problem("(a|aa)+"))
        .startsWith("repeats a group that holds an alternation");
    assertThat(BoundedRegex.problem("(x|y){2,}"))
        .startsWith("repeats a group that holds an alternation");
    assertThat(BoundedRegex.problem("^(a)\\1$")).startsWith("uses a back-reference");
    assertThat(BoundedRegex.problem("^(?=a)b$")).startsWith("uses look-around");
    assertThat(BoundedRegex.problem("(?<!x)y")).startsWith("uses look-around");
    assertThat(BoundedRegex.problem("(regex")).startsWith("does not compile");
    assertThat(BoundedRegex.problem("a{2,1}")).startsWith("does not compile");
    assertThat(BoundedRegex.problem("[[:nope:]]")).startsWith("uses an unknown POSIX class");
    assertThat(BoundedRegex.problem("a".repeat(257)))
        .isEqualTo("is 257 characters long; the limit is 256");
    assertThat(BoundedRegex.problem("")).isEqualTo("is empty");
    // bounded shapes stay accepted
    assertThat(BoundedRegex.problem("^(ab)+c$")).isNull();
    assertThat(BoundedRegex.problem("^(foo|bar)?x{1}$")).isNull();
    assertThat(BoundedRegex.problem("^[^@]+@[^@]+\\.(com|org)$")).isNull();
    assertThat(BoundedRegex.problem("\\Q(a+)+\\E")).isNull();
    assertThat(BoundedRegex.problem("(?i)^abc$")).isNull();
  }

  @Test
  void aSearchOverItsBudgetIsANonMatchAndStaysFast() {
    // polynomial, not refused by the shape rule: the step budget bounds it
    Condition slow = Condition.of("text", Operator.MATCHES, "^.*.*.*.*.*.*x$");
    String input = "a".repeat(5_000);
    long start = System.nanoTime();
    assertThat(matches(slow, input)).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(matches(slow, "aax")).isTrue();
  }

  @Test
  void cidrRangesMatchIpv4AndIpv6Addresses() {
    Condition v4 = Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8", "192.168.1.7");
    assertThat(matches(v4, "10.200.3.4")).isTrue();
    assertThat(matches(v4, "11.0.0.1")).isFalse();
    assertThat(matches(v4, "192.168.1.7")).isTrue();
    assertThat(matches(v4, "192.168.1.8")).isFalse();
    assertThat(matches(v4, "::ffff:10.1.2.3")).as("IPv4-mapped IPv6").isTrue();
    assertThat(matches(v4, "2001:db8::1")).isFalse();
    assertThat(matches(v4, "10.0.0")).as("not an address").isFalse();
    assertThat(matches(v4, "010.0.0.1")).as("leading zero").isFalse();
    Condition v6 = Condition.of("ip", Operator.IN_CIDR, "2001:db8::/32");
    assertThat(matches(v6, "2001:db8:0:1::42")).isTrue();
    assertThat(matches(v6, "2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(matches(v6, "2001:db9::1")).isFalse();
    assertThat(matches(v6, "10.0.0.1")).isFalse();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "0.0.0.0/0"), "8.8.8.8")).isTrue();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "::/0"), "::1")).isTrue();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "10.1.2.3/8"), "10.9.9.9"))
        .as("host bits in the network are ignored")
        .isTrue();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "fe80::1:2:3:4/127"), "fe80::1:2:3:5"))
        .isTrue();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "fe80::1:2:3:4/127"), "fe80::1:2:3:6"))
        .isFalse();
    assertThat(
            matches(
                Condition.of("ip", Operator.IN_CIDR, "1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304"))
        .isTrue();
  }

  @Test
  void malformedAddressesAndRangesAreRefusedOrNeverMatch() {
    for (String bad :
        List.of(
            "127.invalid",
            "bad::cidr",
            "1.2.3.4/33",
            "::/129",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "10.0.0.0/x",
            "256.1.1.1",
            ":1::",
            "1:")) {
      assertThat(IpAddress.Range.problem(bad)).as(bad).isNotNull();
    }
    assertThat(
            FlagValidation.conditionProblem(
                Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8", "1.2.3.4/33")))
        .isEqualTo("ip in_cidr '1.2.3.4/33' has a prefix length over 32");
  }

  @Test
  void datesCompareAsInstantsWhateverTheirOffset() {
    Condition after =
        Condition.of("signupAt", Operator.DATE_AFTER, "2022-01-22T13:00:00.000+02:00");
    assertThat(matches(after, "2022-01-22T11:00:00.001Z")).isTrue();
    assertThat(matches(after, "2022-01-22T11:00:00Z")).as("equal is not after").isFalse();
    assertThat(matches(after, "yesterday")).isFalse();
    Condition before = Condition.of("signupAt", Operator.DATE_BEFORE, "2026-01-01");
    assertThat(matches(before, "2025-12-31T23:59:59Z")).isTrue();
    assertThat(matches(before, "2026-01-01T00:00:00Z")).isFalse();
    assertThat(matches(before, "2026-01-01T00:30:00+01:00")).isTrue();
  }

  @Test
  void negatedConditionsHoldWhenTheComparisonDoesNotButNeverOnAMissingAttribute() {
    Condition notCorporate = Condition.of("email", Operator.ENDS_WITH, "@corp.com").negated();
    assertThat(matches(notCorporate, "a@gmail.com")).isTrue();
    assertThat(matches(notCorporate, "a@corp.com")).isFalse();
    assertThat(matches(notCorporate, null)).isFalse();
    assertThat(
            matches(Condition.ignoringCase("email", Operator.CONTAINS, "CORP").negated(), "x@Corp"))
        .isFalse();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8").negated(), "11.0.0.1"))
        .isTrue();
    assertThat(matches(Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8").negated(), "not-an-ip"))
        .as("an attribute that does not parse compares false, so its negation holds")
        .isTrue();
    String json =
        FlagCodec.toJson(FlagDefinition.newFlag("f").withRules(List.of(Rule.of(notCorporate))));
    assertThat(json).contains("\"negate\":true");
    assertThat(FlagCodec.fromJson(json).rules().get(0).conditions().get(0)).isEqualTo(notCorporate);
  }

  @Test
  void caseInsensitiveIsRefusedWhereItMeansNothing() {
    assertThat(FlagValidation.conditionProblem(Condition.ignoringCase("age", Operator.GT, "18")))
        .isEqualTo(
            "age gt cannot ignore case: only eq, neq, in, not_in, starts_with, ends_with, contains"
                + " and matches compare text");
  }

  @Test
  void badOperandsAreRefusedWithOneLine() {
    assertThat(FlagValidation.conditionProblem(Condition.of("id", Operator.MATCHES, "(a+)+")))
        .startsWith("id matches '(a+)+' repeats a group that holds a quantifier");
    assertThat(FlagValidation.conditionProblem(Condition.of("id", Operator.MATCHES, "a", "b")))
        .isEqualTo("id matches takes exactly one value, got 2 (a,b; combine them with |)");
    assertThat(
            FlagValidation.conditionProblem(Condition.of("d", Operator.DATE_AFTER, "2026-13-01")))
        .startsWith("d date_after '2026-13-01' is not an ISO-8601 date-time");
    assertThat(
            FlagValidation.conditionProblem(
                Condition.of("d", Operator.DATE_BEFORE, "2026-01-01T10:00:00")))
        .as("a date-time without a zone is ambiguous")
        .startsWith("d date_before '2026-01-01T10:00:00' is not an ISO-8601 date-time");
    assertThat(FlagValidation.conditionProblem(Condition.of("e", Operator.ENDS_WITH, "x", "")))
        .isEqualTo("e ends_with has an empty value (it would match everything)");
    assertThat(FlagValidation.conditionProblem(Condition.of("e", Operator.CONTAINS)))
        .isEqualTo("e contains needs at least one value");
    assertThat(FlagValidation.conditionProblem(Condition.of("n", Operator.NUM_EQ, "twelve")))
        .isEqualTo("n num_eq 'twelve' is not a number");
  }

  @Test
  void caseInsensitiveSurvivesTheCodecAndIsOmittedWhenFalse() {
    FlagDefinition flag =
        FlagDefinition.newFlag("f")
            .withRules(
                List.of(
                    Rule.of(
                        Condition.ignoringCase("email", Operator.ENDS_WITH, "@x.com"),
                        Condition.of("ip", Operator.IN_CIDR, "10.0.0.0/8"))));
    String json = FlagCodec.toJson(flag);
    assertThat(json)
        .contains("\"caseInsensitive\":true")
        .containsOnlyOnce("caseInsensitive")
        .doesNotContain("negate");
    assertThat(FlagCodec.fromJson(json)).isEqualTo(flag);
  }
}
