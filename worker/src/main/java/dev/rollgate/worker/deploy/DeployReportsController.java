package dev.rollgate.worker.deploy;

import dev.rollgate.activities.deploy.DeployReports;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Stage reports for {@code rollgate deploy report}: every stage's figures and verdict, the newest
 * deployment first and each deployment's stages in the order they ran.
 */
@RestController
@RequestMapping(path = "/api/deploy", produces = MediaType.APPLICATION_JSON_VALUE)
class DeployReportsController {
  private final DeployReports reports;

  DeployReportsController(DeployReports reports) {
    this.reports = reports;
  }

  /** {@code ?service=checkout} or {@code ?service=deploy/checkout} (the deployment's id). */
  @GetMapping("/reports")
  ResponseEntity<?> reports(@RequestParam(name = "service", required = false) String service) {
    if (service == null || service.isBlank()) {
      return ResponseEntity.badRequest()
          .body(Map.of("error", "service is required, e.g. ?service=checkout"));
    }
    return ResponseEntity.ok(reports.list(service.strip()));
  }
}
