package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.workflows.deploy.LoadTestResult;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.deploy.StageReport;
import dev.rollgate.workflows.gate.Verdict;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stage reports in a real (embedded) PostgreSQL with Rollgate's migrations. */
public class DeployReportsTest {
  static TestInfra infra;
  static DeployReports reports;

  @BeforeAll
  static void start() throws Exception {
    infra = new TestInfra();
    reports = new DeployReports(infra.db);
  }

  @AfterAll
  static void stop() throws Exception {
    infra.close();
  }

  /**
   * A stage report of {@code service} with one failed critical metric (also the worker's tests).
   */
  public static StageReport report(
      String service, String run, String stage, int percent, String verdict, long at) {
    MetricResult errors =
        new MetricResult(
            "error_ratio",
            0.031,
            0.002,
            61,
            61,
            0.0004,
            0.61,
            Verdict.FAIL,
            true,
            false,
            "canary 0.031 > max 0.02");
    return new StageReport(
        "deploy/" + service,
        run,
        service,
        "v2",
        stage,
        percent,
        verdict,
        List.of(new StageAnalysis(List.of(errors), Verdict.FAIL, at)),
        new LoadTestResult(100, 1, 0.01, 120, 20, true, "load test: ok"),
        List.of("warm-up: 600 requests in 1m, 0 failed (0 %)"),
        at);
  }

  @Test
  void aStageIsStoredOnceUnderRetries() {
    StageReport first = report("once", "deploy/once/run1", "5 %", 5, "PROCEED", 1_000);
    StageReport retried = report("once", "deploy/once/run1", "5 %", 5, "PROCEED", 9_000);

    assertThat(reports.save(first)).isTrue();
    assertThat(reports.save(retried)).isFalse();

    assertThat(reports.list("once")).containsExactly(first);
  }

  @Test
  void newestRunFirstStagesInOrderByServiceOrDeployment() {
    StageReport old5 = report("shop", "deploy/shop/a", "5 %", 5, "PROCEED", 1_000);
    StageReport old25 = report("shop", "deploy/shop/a", "25 %", 25, "PROCEED", 2_000);
    StageReport new5 = report("shop", "deploy/shop/b", "5 %", 5, "PROCEED", 3_000);
    StageReport newRollback = report("shop", "deploy/shop/b", "rollback", 0, "PROCEED", 4_000);
    for (StageReport r : List.of(new5, old25, newRollback, old5)) {
      reports.save(r);
    }
    reports.save(report("other", "deploy/other/a", "5 %", 5, "PROCEED", 5_000));

    assertThat(reports.list("shop")).containsExactly(new5, newRollback, old5, old25);
    assertThat(reports.list("deploy/shop")).containsExactly(new5, newRollback, old5, old25);
    assertThat(reports.list("nothing")).isEmpty();
  }

  @Test
  void aReportWithoutItsKeysIsRefused() {
    StageReport noStage = report("x", "deploy/x/a", " ", 5, "PROCEED", 1_000);
    assertThatThrownBy(() -> reports.save(noStage))
        .hasMessageContaining("the stage report has no stage");
  }
}
