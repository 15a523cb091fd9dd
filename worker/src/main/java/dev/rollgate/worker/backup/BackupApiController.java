package dev.rollgate.worker.backup;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.backup.BackupActivities;
import dev.rollgate.workflows.backup.BackupIds;
import dev.rollgate.workflows.backup.BackupRequest;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the CLI asks the worker about backups: a database's backups ({@code rollgate backup list},
 * {@code show}) and retention run now ({@code rollgate backup retention}, with a dry run). Calls
 * the {@code backupActivities} bean directly (its list, plan and apply need no activity context); a
 * worker without it answers 503. Errors are one JSON line: 400 bad input, 404 unknown database, 409
 * refused.
 */
@RestController
@RequestMapping(path = "/api/backups", produces = MediaType.APPLICATION_JSON_VALUE)
class BackupApiController {
  private final ObjectProvider<BackupActivities> backups;

  BackupApiController(ObjectProvider<BackupActivities> backups) {
    this.backups = backups;
  }

  @GetMapping
  ResponseEntity<?> list(@RequestParam(name = "database", required = false) String database) {
    String problem = BackupIds.databaseProblem(database);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    return call(b -> b.list(database));
  }

  /** A retention run: the policy, and whether only to plan it. */
  record RetentionRun(
      String database, Integer keepLast, Integer keepDays, Integer minimum, boolean dryRun) {}

  @PostMapping("/retention")
  ResponseEntity<?> retention(@RequestBody RetentionRun run) {
    String problem =
        run == null ? "a retention run needs a body" : BackupIds.databaseProblem(run.database());
    RetentionPolicy policy = null;
    if (problem == null) {
      policy =
          new RetentionPolicy(
              run.keepLast(), run.keepDays(), run.minimum() == null ? 1 : run.minimum());
      problem = BackupRequest.retentionProblem(policy);
    }
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    RetentionPolicy p = policy;
    return call(
        b -> {
          RetentionPlan plan = b.planRetention(run.database(), p);
          return run.dryRun() || plan.delete().isEmpty() ? plan : b.applyRetention(plan);
        });
  }

  private ResponseEntity<?> call(Function<BackupActivities, Object> action) {
    BackupActivities b = backups.getIfAvailable();
    if (b == null) {
      return error(HttpStatus.SERVICE_UNAVAILABLE, "backups are not configured on this worker");
    }
    try {
      return ResponseEntity.ok(action.apply(b));
    } catch (ApplicationFailure f) {
      HttpStatus status =
          switch (f.getType() == null ? "" : f.getType()) {
            case "INVALID_INPUT" -> HttpStatus.BAD_REQUEST;
            case "NOT_FOUND" -> HttpStatus.NOT_FOUND;
            case "REFUSED", "CONFLICT" -> HttpStatus.CONFLICT;
            default -> HttpStatus.SERVICE_UNAVAILABLE;
          };
      return error(status, f.getOriginalMessage());
    } catch (RuntimeException e) {
      return error(HttpStatus.SERVICE_UNAVAILABLE, FailureType.rootMessage(e));
    }
  }

  private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
    return ResponseEntity.status(status).body(Map.of("error", message));
  }
}
