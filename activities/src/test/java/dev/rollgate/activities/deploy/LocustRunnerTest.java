package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.workflows.deploy.LoadTest;
import dev.rollgate.workflows.deploy.LoadTestResult;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The real Locust against a JDK HTTP server, healthy and half-failing (about 5 s each). */
class LocustRunnerTest {
  static final String LOCUSTFILE = "src/test/resources/deploy/locustfile.py";
  private final LocustRunner runner = new LocustRunner();

  static LoadTest loadTest(String locustfile) {
    return new LoadTest(locustfile, 2, 2, Duration.ofSeconds(3), 0.01, 500);
  }

  @Test
  void aHealthyServiceIsWithinTheLimits() throws Exception {
    RequiredTools.require(Tools.LOCUST);
    List<String> beats = new ArrayList<>();
    try (TestHttpServer server = new TestHttpServer(0)) {
      LoadTestResult result = runner.run(loadTest(LOCUSTFILE), server.url(), beats::add);

      assertThat(result.passed()).as(result.detail()).isTrue();
      assertThat(result.requests()).isGreaterThan(20).isLessThanOrEqualTo(server.requests.get());
      assertThat(result.failures()).isZero();
      assertThat(result.p95Millis()).isLessThan(500);
      assertThat(result.requestsPerSecond()).isPositive();
      assertThat(result.detail())
          .startsWith("load test: " + result.requests() + " requests, 0 failed (0 % <= 1 %), p95 ");
      assertThat(beats).isNotEmpty().allMatch(b -> b.startsWith("load test running for "));
    }
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void halfTheRequestsFailingFailsTheStage() throws Exception {
    RequiredTools.require(Tools.LOCUST);
    try (TestHttpServer server = new TestHttpServer(2)) {
      LoadTestResult result = runner.run(loadTest(LOCUSTFILE), server.url(), b -> {});

      assertThat(result.passed()).isFalse();
      assertThat(result.failureRatio()).isBetween(0.4, 0.6);
      assertThat(result.detail()).containsPattern("failed \\(\\d+(\\.\\d+)? % > 1 %\\)");
    }
  }

  @Test
  void aCancelledLoadTestStopsLocust() throws Exception {
    RequiredTools.require(Tools.LOCUST);
    try (TestHttpServer server = new TestHttpServer(0)) {
      LoadTest longRun = new LoadTest(LOCUSTFILE, 1, 1, Duration.ofMinutes(5), 0.01, 500);
      Consumer<String> cancelled =
          b -> {
            throw new CancellationException("activity cancelled");
          };

      assertThatThrownBy(() -> runner.run(longRun, server.url(), cancelled))
          .isInstanceOf(CancellationException.class);
    }
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aMissingLocustfileIsInvalidInputNamingIt() {
    RequiredTools.require(Tools.LOCUST);
    assertThatThrownBy(() -> runner.validate(loadTest("no/such/locustfile.py")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("locustfile ", "no/such/locustfile.py", "does not exist");
            });
  }

  @Test
  void theAggregatedRowIsReadWithARealCsvParse() {
    String csv =
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
            + "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
            + "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\r\n"
            + "GET,\"/search?q=a,b \"\"quoted\"\"\",10,1,3,3.5,1,9,2,4.5,0.1,3,4,4,5,6,7,8,9,9,9,9\r\n"
            + ",Aggregated,40,2,3,3.1,1,12,2,13.25,0.5,3,4,4,5,6,8,9,10,12,12,12\r\n";
    LocustRunner.Aggregated a = LocustRunner.aggregated(csv);
    assertThat(a).isEqualTo(new LocustRunner.Aggregated(40, 2, 8, 13.25));
    assertThat(LocustRunner.Csv.parse(csv).get(1).get(1)).isEqualTo("/search?q=a,b \"quoted\"");

    LoadTestResult r = LocustRunner.judge(a, loadTest(LOCUSTFILE));
    assertThat(r.passed()).isFalse();
    assertThat(r.detail())
        .isEqualTo("load test: 40 requests, 2 failed (5 % > 1 %), p95 8 ms <= 500 ms, 13.25 req/s");
  }

  private static List<Path> leftovers() throws Exception {
    try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("rollgate-locust-")).toList();
    }
  }
}
