package dev.rollgate.worker.deploy;

import dev.rollgate.activities.PrometheusClient;
import dev.rollgate.activities.deploy.AnalysisActivitiesImpl;
import dev.rollgate.activities.deploy.CanaryAnalyzer;
import dev.rollgate.activities.deploy.DeployReports;
import dev.rollgate.activities.deploy.LocustRunner;
import dev.rollgate.activities.deploy.TrafficGenerator;
import java.time.Clock;
import org.jooq.DSLContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Deployments' canary analysis, traffic, load tests and stage reports. */
@Configuration(proxyBeanMethods = false)
class DeployAnalysisConfiguration {

  @Bean
  DeployReports deployReports(DSLContext db) {
    return new DeployReports(db);
  }

  /** Registered on the worker by name in application.yaml. */
  @Bean
  AnalysisActivitiesImpl analysisActivities(
      PrometheusClient prometheus, Clock clock, DeployReports deployReports) {
    return new AnalysisActivitiesImpl(
        new CanaryAnalyzer(prometheus, clock),
        new TrafficGenerator(),
        new LocustRunner(),
        deployReports);
  }
}
