package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.deploy.BackfilledPrometheus.Series;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.CanaryMetric;
import dev.rollgate.workflows.deploy.CanaryMetrics;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.RollbackTriggers;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.Verdict;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The canary analysis against a real Prometheus holding six minutes of HAProxy-exporter series (20
 * requests/s per side, one sample a second) for three backends: {@code good} (canary like the
 * baseline: 0.2 % errors, 50 ms), {@code bad} (canary with 5 % errors and 120 ms) and {@code quiet}
 * (no canary series at all). Queries run at the data's last second through a fixed clock.
 */
class CanaryAnalyzerTest {
  static final int SECONDS = 360;
  static final long END = Instant.now().minus(Duration.ofHours(3)).getEpochSecond();

  static BackfilledPrometheus prometheus;
  static CanaryAnalyzer analyzer;

  @BeforeAll
  static void startPrometheus() throws Exception {
    Random random = new Random(42);
    List<Series> responses = new ArrayList<>();
    List<Series> latency = new ArrayList<>();
    addSide(responses, latency, random, "good", "stable", 0.002, 0.05);
    addSide(responses, latency, random, "good", "canary", 0.002, 0.05);
    addSide(responses, latency, random, "bad", "stable", 0.002, 0.05);
    addSide(responses, latency, random, "bad", "canary", 0.05, 0.12);
    addSide(responses, latency, random, "quiet", "stable", 0.002, 0.05);
    List<Series> all = new ArrayList<>(responses);
    all.addAll(latency);
    prometheus = new BackfilledPrometheus(all, END);
    analyzer =
        new CanaryAnalyzer(
            new PrometheusClient(prometheus.url),
            Clock.fixed(Instant.ofEpochSecond(END), ZoneOffset.UTC));
  }

  @AfterAll
  static void stopPrometheus() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  /** Counters of 2xx and 5xx responses, and the rolling mean response time, of one server. */
  static void addSide(
      List<Series> responses,
      List<Series> latency,
      Random random,
      String backend,
      String server,
      double errorRate,
      double meanSeconds) {
    double[] ok = new double[SECONDS];
    double[] errors = new double[SECONDS];
    double[] time = new double[SECONDS];
    double okTotal = 0;
    double errorTotal = 0;
    for (int s = 0; s < SECONDS; s++) {
      for (int r = 0; r < 20; r++) {
        if (random.nextDouble() < errorRate) {
          errorTotal++;
        } else {
          okTotal++;
        }
      }
      ok[s] = okTotal;
      errors[s] = errorTotal;
      time[s] = meanSeconds * (1 + 0.1 * random.nextGaussian());
    }
    String labels = "proxy=\"" + backend + "\",server=\"" + server + "\"";
    String family = "haproxy_server_http_responses";
    responses.add(new Series(family, "counter", family + "_total", labels + ",code=\"2xx\"", ok));
    responses.add(
        new Series(family, "counter", family + "_total", labels + ",code=\"5xx\"", errors));
    String gauge = "haproxy_server_response_time_average_seconds";
    latency.add(new Series(gauge, "gauge", gauge, labels, time));
  }

  static CanaryAnalysis analysis(String backend, Duration window, int minSamples) {
    return analysis("canary", "stable", backend, CanaryMetrics.defaults(), window, minSamples);
  }

  static CanaryAnalysis analysis(
      String canary,
      String baseline,
      String backend,
      List<CanaryMetric> metrics,
      Duration window,
      int minSamples) {
    return new CanaryAnalysis(
        canary,
        baseline,
        backend,
        metrics,
        window,
        Duration.ofSeconds(5),
        minSamples,
        0.98,
        0.25,
        true,
        RollbackTriggers.defaults(),
        Analysis.defaults(Duration.ofMinutes(1)));
  }

  static MetricResult metric(StageAnalysis a, String name) {
    return a.results().stream().filter(r -> r.metric().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aCanaryLikeItsBaselinePasses() {
    StageAnalysis a = analyzer.analyze(analysis("good", Duration.ofMinutes(5), 50));

    assertThat(a.verdict()).as(a.toString()).isEqualTo(Verdict.PASS);
    MetricResult errors = metric(a, "error_ratio");
    assertThat(errors.canary()).isBetween(0.0, 0.01);
    assertThat(errors.baseline()).isBetween(0.0, 0.01);
    assertThat(errors.canarySamples()).isEqualTo(61);
    assertThat(errors.baselineSamples()).isEqualTo(61);
    assertThat(errors.pValue()).isGreaterThan(0.02);
    MetricResult p95 = metric(a, "p95");
    assertThat(p95.canary()).isBetween(0.05, 0.07);
    assertThat(p95.detail()).contains("<= max 0.5", "no material difference");
    assertThat(a.atMillis()).isEqualTo(END * 1000);
  }

  @Test
  void aCanaryWithFivePercentErrorsAndSlowerResponsesFailsWithItsNumbers() {
    StageAnalysis a = analyzer.analyze(analysis("bad", Duration.ofMinutes(5), 50));

    assertThat(a.verdict()).isEqualTo(Verdict.FAIL);
    MetricResult errors = metric(a, "error_ratio");
    assertThat(errors.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(errors.critical()).isTrue();
    assertThat(errors.canary()).isBetween(0.04, 0.06);
    assertThat(errors.detail()).matches("canary 0\\.0[45]\\d* > max 0\\.02; baseline .*");
    // under its 0.5 s ceiling, but clearly slower than the baseline: the statistics catch it
    MetricResult p95 = metric(a, "p95");
    assertThat(p95.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(p95.pValue()).isLessThan(1e-6);
    assertThat(p95.effectSize()).isGreaterThan(0.9);
    assertThat(p95.detail())
        .contains("<= max 0.5", "> 0.25: canary worse")
        .containsPattern("p=\\S+ effect 1");
  }

  @Test
  void noCanaryDataIsInconclusiveNeverAPass() {
    StageAnalysis a = analyzer.analyze(analysis("quiet", Duration.ofMinutes(5), 50));

    assertThat(a.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(a.results())
        .allSatisfy(
            r -> {
              assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
              assertThat(r.detail()).isEqualTo("no data for canary");
              assertThat(r.error()).isFalse();
              assertThat(r.baseline()).isNotNull();
            });
  }

  @Test
  void theStatisticalTestRunsFromMinSamplesAndNotBelow() {
    // 2m / 5s = 25 samples per side
    MetricResult few = metric(analyzer.analyze(analysis("bad", Duration.ofMinutes(2), 50)), "p95");
    assertThat(few.canarySamples()).isEqualTo(25);
    assertThat(few.pValue()).isNull();
    assertThat(few.effectSize()).isNull();
    assertThat(few.detail()).contains("samples 25/25 < 50: thresholds only");
    assertThat(few.verdict()).isEqualTo(Verdict.PASS); // 120 ms is under the 0.5 s ceiling

    MetricResult exactly =
        metric(analyzer.analyze(analysis("bad", Duration.ofMinutes(2), 25)), "p95");
    assertThat(exactly.pValue()).isNotNull();
    assertThat(exactly.verdict()).isEqualTo(Verdict.FAIL);
  }

  @Test
  void rollbackTriggersJudgeTheCanaryAlone() {
    StageAnalysis bad = analyzer.triggers(analysis("bad", Duration.ofMinutes(1), 50));
    assertThat(bad.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(metric(bad, "error_ratio").detail()).startsWith("canary 0.0").contains("> max 0.02");
    assertThat(metric(bad, "5xx").verdict()).isEqualTo(Verdict.FAIL);
    assertThat(metric(bad, "5xx").detail()).contains("within 30s >= 10");
    assertThat(metric(bad, "p95").verdict()).isEqualTo(Verdict.PASS);

    StageAnalysis good = analyzer.triggers(analysis("good", Duration.ofMinutes(1), 50));
    assertThat(good.verdict()).as(good.toString()).isEqualTo(Verdict.PASS);
    assertThat(metric(good, "5xx").canary()).isLessThan(10);
  }

  @Test
  void validQueriesValidate() {
    analyzer.validate(analysis("good", Duration.ofMinutes(5), 50));
  }

  @Test
  void badPromqlIsInvalidInputNamingTheMetric() {
    CanaryAnalysis broken =
        analysis(
            "canary",
            "stable",
            "good",
            List.of(new CanaryMetric("latency", "sum(rate(x[{{window}})", null, false)),
            Duration.ofMinutes(5),
            50);

    assertThatThrownBy(() -> analyzer.validate(broken))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .startsWith("canary metric 'latency': Prometheus rejected the query: bad_data");
            });
  }

  @Test
  void anUnreachablePrometheusIsAnErrorResultAndUnavailableAtStart() {
    CanaryAnalyzer nowhere =
        new CanaryAnalyzer(
            new PrometheusClient(URI.create("http://127.0.0.1:" + TestInfra.freePort())),
            Clock.systemUTC());
    CanaryAnalysis a = analysis("good", Duration.ofMinutes(5), 50);

    StageAnalysis result = nowhere.analyze(a);
    assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(result.results())
        .hasSize(3)
        .allSatisfy(
            r -> {
              assertThat(r.error()).isTrue();
              assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
              assertThat(r.detail()).startsWith("Prometheus unreachable");
            });
    assertThat(nowhere.triggers(a).results()).allMatch(MetricResult::error);
    assertThatThrownBy(() -> nowhere.validate(a))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UNAVAILABLE");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @Test
  void badSettingsAreOneClearError() {
    CanaryAnalysis sameSides =
        analysis("stable", "stable", "good", CanaryMetrics.defaults(), Duration.ofMinutes(5), 50);
    assertThatThrownBy(() -> analyzer.validate(sameSides))
        .hasMessageContaining("the canary and the baseline are the same side 'stable'");
  }
}
