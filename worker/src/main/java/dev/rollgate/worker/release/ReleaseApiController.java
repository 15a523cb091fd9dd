package dev.rollgate.worker.release;

import dev.rollgate.activities.audit.AuditActivitiesImpl;
import dev.rollgate.activities.gate.PrometheusGuardrails;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.audit.AuditEntry;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the CLI asks the worker about releases of any kind: the audit trail of one release ({@code
 * rollgate history}), and whether guardrail queries parse and Prometheus answers (checked before a
 * release is started, so bad input never becomes a workflow).
 */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
class ReleaseApiController {
  static final int MAX_AUDIT_ENTRIES = 1_000;

  private final AuditActivitiesImpl audit;
  private final PrometheusGuardrails guardrails;

  ReleaseApiController(AuditActivitiesImpl audit, PrometheusGuardrails guardrails) {
    this.audit = audit;
    this.guardrails = guardrails;
  }

  /** One audit entry as the API shows it. */
  record Entry(Instant at, String actor, String action, String details) {}

  @GetMapping("/audit")
  ResponseEntity<?> audit(
      @RequestParam(name = "workflowId", required = false) String workflowId,
      @RequestParam(name = "limit", defaultValue = "50") int limit) {
    if (workflowId == null || workflowId.isBlank()) {
      return ResponseEntity.badRequest()
          .body(Map.of("error", "workflowId is required, e.g. ?workflowId=rollout/new_checkout"));
    }
    if (limit < 1 || limit > MAX_AUDIT_ENTRIES) {
      return ResponseEntity.badRequest()
          .body(Map.of("error", "limit must be between 1 and " + MAX_AUDIT_ENTRIES));
    }
    List<Entry> entries = new ArrayList<>();
    for (AuditEntry e : audit.forWorkflow(workflowId, limit)) {
      entries.add(
          new Entry(Instant.ofEpochMilli(e.atMillis()), e.actor(), e.action(), e.details()));
    }
    return ResponseEntity.ok(entries);
  }

  /** A guardrail to check: its name and PromQL. */
  record Query(String name, String query) {}

  /**
   * Checks every query against Prometheus. Always 200 with {@code problem} null when all parse;
   * otherwise the problem in one line, {@code invalid} true for bad PromQL (the caller's input) and
   * false when Prometheus could not be asked.
   */
  @PostMapping("/guardrails/validate")
  ResponseEntity<Map<String, Object>> validate(@RequestBody List<Query> queries) {
    List<Guardrail> checks = new ArrayList<>();
    for (Query q : queries) {
      Guardrail g =
          new Guardrail(
              q == null ? null : q.name(), q == null ? null : q.query(), Comparison.LT, 0);
      String problem = g.problem();
      if (problem != null) {
        return ResponseEntity.badRequest().body(Map.of("error", problem));
      }
      checks.add(g);
    }
    try {
      guardrails.validate(checks);
      return ResponseEntity.ok(Map.of("valid", true));
    } catch (ApplicationFailure f) {
      boolean invalid = FailureType.INVALID_INPUT.name().equals(f.getType());
      return ResponseEntity.ok(
          Map.of("valid", false, "invalid", invalid, "problem", f.getOriginalMessage()));
    }
  }
}
