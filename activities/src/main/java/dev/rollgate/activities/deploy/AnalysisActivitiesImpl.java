package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.deploy.AnalysisActivities;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.LoadTest;
import dev.rollgate.workflows.deploy.LoadTestResult;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.deploy.StageReport;
import io.temporal.activity.Activity;
import java.time.Duration;
import java.util.function.Consumer;

/** Canary analysis, warm-up traffic, Locust load tests and stage reports, for deployments. */
public class AnalysisActivitiesImpl implements AnalysisActivities {
  private final CanaryAnalyzer analyzer;
  private final TrafficGenerator traffic;
  private final LocustRunner locust;
  private final DeployReports reports;

  public AnalysisActivitiesImpl(
      CanaryAnalyzer analyzer,
      TrafficGenerator traffic,
      LocustRunner locust,
      DeployReports reports) {
    this.analyzer = analyzer;
    this.traffic = traffic;
    this.locust = locust;
    this.reports = reports;
  }

  @Override
  public void validate(CanaryAnalysis analysis) {
    analyzer.validate(analysis);
  }

  @Override
  public StageAnalysis analyze(CanaryAnalysis analysis) {
    return analyzer.analyze(analysis);
  }

  @Override
  public StageAnalysis triggers(CanaryAnalysis analysis) {
    return analyzer.triggers(analysis);
  }

  @Override
  public String warmUp(String url, int perSecond, Duration duration) {
    return traffic.warmUp(url, perSecond, duration, heartbeat());
  }

  @Override
  public void validateLoadTest(LoadTest loadTest) {
    locust.validate(loadTest);
  }

  @Override
  public LoadTestResult loadTest(LoadTest loadTest, String host) {
    return locust.run(loadTest, host, heartbeat());
  }

  @Override
  public void save(StageReport report) {
    reports.save(report);
  }

  /** Heartbeats the activity; throws when it was cancelled, which stops the work. */
  private static Consumer<String> heartbeat() {
    var context = Activity.getExecutionContext();
    return context::heartbeat;
  }
}
