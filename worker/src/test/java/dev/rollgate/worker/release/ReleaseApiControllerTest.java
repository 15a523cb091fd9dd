package dev.rollgate.worker.release;

import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.audit.AuditActivitiesImpl;
import dev.rollgate.activities.gate.PrometheusGuardrails;
import dev.rollgate.workflows.audit.AuditEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The release API in a web slice over the real audit log (embedded PostgreSQL) and a Prometheus
 * address where nothing listens (a real connection refused, as when Prometheus is down).
 */
@WebMvcTest(
    controllers = ReleaseApiController.class,
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
class ReleaseApiControllerTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class RealAuditLog {
    @Bean(destroyMethod = "close")
    TestInfra testInfra() throws Exception {
      return new TestInfra();
    }

    @Bean
    AuditActivitiesImpl auditActivities(TestInfra infra) {
      return new AuditActivitiesImpl(infra.db, new SimpleMeterRegistry());
    }

    @Bean
    PrometheusGuardrails guardrails() throws Exception {
      int closed;
      try (ServerSocket s = new ServerSocket(0)) {
        closed = s.getLocalPort();
      }
      return new PrometheusGuardrails(URI.create("http://127.0.0.1:" + closed), Clock.systemUTC());
    }
  }

  @Autowired MockMvc mvc;
  @Autowired AuditActivitiesImpl audit;

  @Test
  void auditTrailComesInTheOrderThingsHappened() throws Exception {
    String id = "rollout/api_order";
    audit.record(new AuditEntry(id + "/2", id, "bob", "pause", "paused", 2_000));
    audit.record(new AuditEntry(id + "/1", id, "alice", "rollout-started", "5 steps", 1_000));
    audit.record(new AuditEntry("other/1", "rollout/other", "carol", "abort", "x", 1_500));

    mvc.perform(get("/api/audit").param("workflowId", id))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.length()").value(2))
        .andExpect(jsonPath("$[0].action").value("rollout-started"))
        .andExpect(jsonPath("$[0].at").value("1970-01-01T00:00:01Z"))
        .andExpect(jsonPath("$[1].actor").value("bob"));
  }

  @Test
  void badAuditRequestsGetOneSentenceOfJson() throws Exception {
    mvc.perform(get("/api/audit"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value(containsString("workflowId is required")));
    mvc.perform(get("/api/audit").param("workflowId", "rollout/x").param("limit", "0"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value(containsString("limit must be between 1 and")));
  }

  @Test
  void aGuardrailWithoutAQueryIsBadInput() throws Exception {
    mvc.perform(
            post("/api/guardrails/validate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("[{\"name\": \"errors\"}]"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value("guardrail 'errors' has an empty query"));
  }

  @Test
  void anUnreachablePrometheusIsAProblemButNotBadInput() throws Exception {
    mvc.perform(
            post("/api/guardrails/validate")
                .contentType(MediaType.APPLICATION_JSON)
                .content("[{\"name\": \"errors\", \"query\": \"sum(rate(x[5m]))\"}]"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.valid").value(false))
        .andExpect(jsonPath("$.invalid").value(false))
        .andExpect(jsonPath("$.problem").value(containsString("unreachable")));
  }
}
