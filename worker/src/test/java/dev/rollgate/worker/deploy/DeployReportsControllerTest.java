package dev.rollgate.worker.deploy;

import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.deploy.DeployReports;
import dev.rollgate.activities.deploy.DeployReportsTest;
import dev.rollgate.workflows.deploy.StageReport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;

/** The stage-report API in a web slice over real stored reports (embedded PostgreSQL). */
@WebMvcTest(
    controllers = DeployReportsController.class,
    properties = {
      // no dev stack in a slice; these only satisfy the start-up check and are never connected to
      "rollgate.dev.enabled=false",
      "spring.temporal.connection.target=127.0.0.1:1",
      "spring.temporal.namespace=unused",
      "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/unused",
      "rollgate.redis.url=redis://127.0.0.1:1",
      "rollgate.s3.endpoint=http://127.0.0.1:1",
      "rollgate.s3.region=unused",
      "rollgate.s3.bucket=unused",
      "rollgate.prometheus.url=http://127.0.0.1:1"
    })
class DeployReportsControllerTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class RealReports {
    @Bean(destroyMethod = "close")
    TestInfra testInfra() throws Exception {
      return new TestInfra();
    }

    @Bean
    DeployReports deployReports(TestInfra infra) {
      return new DeployReports(infra.db);
    }
  }

  @Autowired MockMvc mvc;
  @Autowired DeployReports reports;

  static StageReport stage(String run, String stage, int percent, String verdict, long at) {
    return DeployReportsTest.report("checkout", run, stage, percent, verdict, at);
  }

  @Test
  void reportsComeNewestRunFirstWithStagesInOrder() throws Exception {
    reports.save(stage("deploy/checkout/old", "5 %", 5, "PROCEED", 1_000));
    reports.save(stage("deploy/checkout/new", "5 %", 5, "PROCEED", 3_000));
    reports.save(stage("deploy/checkout/new", "25 %", 25, "ROLLBACK", 4_000));

    mvc.perform(get("/api/deploy/reports").param("service", "checkout"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.length()").value(3))
        .andExpect(jsonPath("$[0].runKey").value("deploy/checkout/new"))
        .andExpect(jsonPath("$[0].stage").value("5 %"))
        .andExpect(jsonPath("$[1].stage").value("25 %"))
        .andExpect(jsonPath("$[1].verdict").value("ROLLBACK"))
        .andExpect(jsonPath("$[1].analyses[0].results[0].detail").value("canary 0.031 > max 0.02"))
        .andExpect(jsonPath("$[1].analyses[0].results[0].pValue").value(0.0004))
        .andExpect(jsonPath("$[2].runKey").value("deploy/checkout/old"));
  }

  @Test
  void aServiceIsRequired() throws Exception {
    mvc.perform(get("/api/deploy/reports"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value(containsString("service is required")));
  }
}
