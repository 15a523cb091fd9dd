package dev.rollgate.worker.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.flags.Bucketing;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagDeletion;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.FlagValidation;
import dev.rollgate.flags.Rule;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.OperatorText;
import io.temporal.failure.ApplicationFailure;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The flag API behind {@code rollgate flags}: list, get, set (a new version, audited, published to
 * every client), delete (audited; every client drops the flag) and evaluate. JSON in and out is
 * flags-client's own codec.
 *
 * <p>Every error is JSON {@code {"error": "one sentence"}} with a 4xx/5xx status: 400 for a bad
 * name (flags-client's {@link FlagNames} rule, also for empty and path-like names), a bad body or a
 * definition {@link dev.rollgate.flags.FlagValidation} refuses; 404 for an unknown flag; 409 when
 * concurrent writers kept colliding, or when a running rollout owns the flag ({@link FlagOwners}; a
 * deletion is refused then whatever the policy); 503 when PostgreSQL cannot be reached, or Temporal
 * cannot say whether a rollout owns the flag.
 *
 * <p>PostgreSQL is the source of truth: when a change is committed but Redis cannot be reached to
 * publish it, {@code set} still answers 200 with the flag and two more fields, {@code "published":
 * false} and {@code "warning": "..."}; the version reaches Redis and every client as soon as Redis
 * is back ({@link FlagCacheReseeder}). A deletion likewise.
 */
@RestController
@RequestMapping(path = "/api/flags", produces = MediaType.APPLICATION_JSON_VALUE)
class FlagAdminController {
  private static final Logger log = LoggerFactory.getLogger(FlagAdminController.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FlagStore store;
  private final FlagPublisher publisher;
  private final FlagOwners owners;

  FlagAdminController(FlagStore store, FlagPublisher publisher, FlagOwners owners) {
    this.store = store;
    this.publisher = publisher;
    this.owners = owners;
  }

  @GetMapping
  ResponseEntity<String> list() throws IOException {
    ArrayNode array = JSON.createArrayNode();
    for (FlagDefinition flag : store.list()) {
      array.add(JSON.readTree(FlagCodec.toJson(flag)));
    }
    return ResponseEntity.ok(JSON.writeValueAsString(array));
  }

  @GetMapping("/{name}")
  ResponseEntity<String> get(@PathVariable String name) {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    return store
        .find(name)
        .map(f -> ResponseEntity.ok(FlagCodec.toJson(f)))
        .orElseGet(() -> error(HttpStatus.NOT_FOUND, "flag '" + name + "' does not exist"));
  }

  /**
   * Body: {@code {"by": "...", "reason": "...", "percent": 25, "enabled": true, "killed": false,
   * "allowUsers": [...], "denyUsers": [...], "rules": ["country in DE,FR; plan eq pro"],
   * "idempotencyKey": "..."}}; every field but {@code by} is optional.
   */
  @PutMapping(path = "/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> set(@PathVariable String name, @RequestBody String body)
      throws IOException {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    JsonNode edit = jsonObject(body);
    UnaryOperator<FlagDefinition> change = edits(edit);
    String by = edit.path("by").asText("");
    if (by.isBlank()) {
      return error(HttpStatus.BAD_REQUEST, "'by' (who is changing the flag) is required");
    }
    String reason = edit.path("reason").asText(null);
    String tooLong = tooLong(by, reason);
    if (tooLong != null) {
      return error(HttpStatus.BAD_REQUEST, tooLong);
    }
    String ownedWarning = null;
    if (!edit.path("killed").asBoolean(false)) {
      String owner;
      try {
        owner = owners.owner(name);
      } catch (IllegalStateException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage() + ": nothing was changed");
      }
      if (owner != null && owners.policy() == FlagOwners.Policy.REFUSE) {
        return error(
            HttpStatus.CONFLICT,
            "refused: "
                + owner
                + " is running and owns flag '"
                + name
                + "'; pause or abort it, or change the flag through it (the kill switch,"
                + " killed: true, is always allowed)");
      }
      if (owner != null) {
        ownedWarning =
            owner
                + " is running and owns this flag: it detects the change at its next check"
                + " and its next step overwrites it";
      }
    }
    String key = edit.path("idempotencyKey").asText("cli/" + name + "/" + UUID.randomUUID());
    FlagStore.Applied applied =
        store.apply(new FlagStore.Change(name, change, true, key, by, reason, null));
    FlagDefinition saved = applied.definition();
    ObjectNode answer = (ObjectNode) JSON.readTree(FlagCodec.toJson(saved));
    if (ownedWarning != null) {
      log.warn("flag {} v{} changed by {} by hand: {}", name, saved.version(), by, ownedWarning);
      answer.put("warning", ownedWarning);
    }
    try {
      publisher.publish(saved);
    } catch (RuntimeException e) {
      log.warn(
          "flag {} v{} saved; publication pending, Redis unreachable: {}",
          name,
          saved.version(),
          FailureType.rootMessage(e));
      answer.put("published", false);
      answer.put(
          "warning",
          (ownedWarning == null ? "" : ownedWarning + "; ")
              + "saved as version "
              + saved.version()
              + ", but Redis is unreachable: publication to clients is pending and happens as"
              + " soon as Redis is back");
    }
    return ResponseEntity.ok(answer.toString());
  }

  /**
   * Body: {@code {"by": "...", "reason": "...", "idempotencyKey": "..."}}; {@code by} and {@code
   * reason} are required. Refused (409) while a rollout of the flag runs, under either policy: a
   * rollout cannot go on without its flag. Answers {@code {"name": ..., "version": <the
   * deletion's>, "deleted": true}}, with {@code "published": false} and a warning when Redis could
   * not be told yet.
   */
  @DeleteMapping("/{name}")
  ResponseEntity<String> delete(
      @PathVariable String name, @RequestBody(required = false) String body) {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    JsonNode request = jsonObject(body == null || body.isBlank() ? "{}" : body);
    String by = request.path("by").asText("");
    String reason = request.path("reason").asText("");
    if (by.isBlank()) {
      return error(HttpStatus.BAD_REQUEST, "'by' (who is deleting the flag) is required");
    }
    if (reason.isBlank()) {
      return error(HttpStatus.BAD_REQUEST, "'reason' (why the flag is deleted) is required");
    }
    String tooLong = tooLong(by, reason);
    if (tooLong != null) {
      return error(HttpStatus.BAD_REQUEST, tooLong);
    }
    if (store.find(name).isEmpty()) {
      return error(HttpStatus.NOT_FOUND, "flag '" + name + "' does not exist");
    }
    String owner;
    try {
      owner = owners.owner(name);
    } catch (IllegalStateException e) {
      return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage() + ": nothing was deleted");
    }
    if (owner != null) {
      return error(
          HttpStatus.CONFLICT,
          "refused: "
              + owner
              + " is running and owns flag '"
              + name
              + "'; abort it (or let it finish) before deleting the flag");
    }
    String key = request.path("idempotencyKey").asText("cli/" + name + "/" + UUID.randomUUID());
    FlagDeletion deletion =
        store.delete(new FlagStore.Deletion(name, key, by.trim(), reason)).deletion();
    log.info("flag {} deleted at v{} by {}: {}", name, deletion.version(), by, reason);
    ObjectNode answer = JSON.createObjectNode();
    answer.put("name", name);
    answer.put("version", deletion.version());
    answer.put("deleted", true);
    try {
      publisher.publish(deletion);
    } catch (RuntimeException e) {
      log.warn(
          "flag {} deleted at v{}; publication pending, Redis unreachable: {}",
          name,
          deletion.version(),
          FailureType.rootMessage(e));
      answer.put("published", false);
      answer.put(
          "warning",
          "deleted (version "
              + deletion.version()
              + "), but Redis is unreachable: clients drop the flag as soon as Redis is back");
    }
    return ResponseEntity.ok(answer.toString());
  }

  /** Body: {@code {"user": "u1", "attributes": {"country": "DE"}}}. */
  @PostMapping(path = "/{name}/evaluate", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> evaluate(@PathVariable String name, @RequestBody String body)
      throws IOException {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    JsonNode request = jsonObject(body);
    var flag = store.find(name);
    if (flag.isEmpty()) {
      return error(HttpStatus.NOT_FOUND, "flag '" + name + "' does not exist");
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    request
        .path("attributes")
        .properties()
        .forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
    String user = request.path("user").asText(null);
    EvaluationContext context = EvaluationContext.of(user, attributes);
    FlagDefinition def = flag.get();
    boolean enabled = FlagSnapshot.of(List.of(def)).isEnabled(name, context);
    String key = "userId".equals(def.stickiness()) ? user : attributes.get(def.stickiness());
    ObjectNode result = JSON.createObjectNode();
    result.put("flag", name);
    result.put("version", def.version());
    result.put("enabled", enabled);
    result.put("rolloutPercent", def.rolloutPercent());
    if (key != null) {
      result.put("bucket", Bucketing.bucket(def.salt(), key));
    }
    return ResponseEntity.ok(JSON.writeValueAsString(result));
  }

  private static UnaryOperator<FlagDefinition> edits(JsonNode edit) {
    List<UnaryOperator<FlagDefinition>> steps = new ArrayList<>();
    if (edit.has("percent")) {
      int bp = FlagValidation.basisPoints("percent", decimal(edit.get("percent")));
      steps.add(d -> d.withRolloutBasisPoints(bp));
    }
    if (edit.has("enabled")) {
      boolean enabled = edit.get("enabled").asBoolean();
      steps.add(d -> d.withEnabled(enabled));
    }
    if (edit.has("killed")) {
      boolean killed = edit.get("killed").asBoolean();
      steps.add(d -> d.withKilled(killed));
    }
    if (edit.has("allowUsers")) {
      List<String> users = strings(edit, "allowUsers");
      steps.add(d -> d.withAllowUsers(users));
    }
    if (edit.has("denyUsers")) {
      List<String> users = strings(edit, "denyUsers");
      steps.add(d -> d.withDenyUsers(users));
    }
    if (edit.has("rules")) {
      List<String> texts = strings(edit, "rules");
      List<Rule> rules = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        try {
          rules.add(FlagRuleSyntax.parse(texts.get(i)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("rule " + (i + 1) + ": " + e.getMessage(), e);
        }
      }
      steps.add(d -> d.withRules(rules));
    }
    return d -> {
      FlagDefinition result = d;
      for (UnaryOperator<FlagDefinition> step : steps) {
        result = step.apply(result);
      }
      return result;
    };
  }

  /** What is over {@link OperatorText}'s limits in {@code by} or {@code reason}, or null. */
  private static String tooLong(String by, String reason) {
    String problem = OperatorText.byProblem("'by'", by);
    return problem != null ? problem : OperatorText.textProblem("'reason'", reason);
  }

  /** A number, also written as a JSON string ({@code "12.5"}), exactly as written. */
  private static BigDecimal decimal(JsonNode node) {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    try {
      return new BigDecimal(node.asText().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("percent " + node + " is not a number");
    }
  }

  private static List<String> strings(JsonNode edit, String field) {
    JsonNode array = edit.get(field);
    if (!array.isArray()) {
      throw new IllegalArgumentException("'" + field + "' must be a JSON array of strings");
    }
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static JsonNode jsonObject(String body) {
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the request body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object");
    }
    return node;
  }

  /**
   * Everything under {@code /api/flags/} that no endpoint above takes: empty names ({@code
   * /api/flags/}), names with a slash (encoded or not) and wrong methods. Answers the flag-name
   * rule's own sentence when the name is the problem, so no request gets a bare "Not Found".
   */
  @RequestMapping("/{*rest}")
  ResponseEntity<String> unmatched(@PathVariable String rest, HttpServletRequest request) {
    String name = rest.startsWith("/") ? rest.substring(1) : rest;
    if ("POST".equals(request.getMethod()) && ("/" + name).endsWith("/evaluate")) {
      // an evaluation; "/api/flags//evaluate" may arrive with its slashes merged
      name = name.substring(0, Math.max(0, name.length() - "/evaluate".length()));
    }
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    if (("PUT".equals(request.getMethod()) || "POST".equals(request.getMethod()))
        && !MediaType.APPLICATION_JSON.isCompatibleWith(contentType(request))) {
      return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send the request body as application/json");
    }
    return error(
        HttpStatus.NOT_FOUND, "the flag API has no " + request.getMethod() + " /api/flags" + rest);
  }

  private static MediaType contentType(HttpServletRequest request) {
    try {
      return request.getContentType() == null
          ? MediaType.ALL
          : MediaType.parseMediaType(request.getContentType());
    } catch (InvalidMediaTypeException e) {
      return MediaType.ALL;
    }
  }

  /** Invalid definitions found while applying an edit: the caller's mistake, one sentence. */
  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<String> invalid(IllegalArgumentException e) {
    return error(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  /** A body that is missing or cannot be read as text. */
  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<String> unreadable(HttpMessageNotReadableException e) {
    return error(HttpStatus.BAD_REQUEST, "the request body is missing or unreadable");
  }

  /** The store refused the change (invalid, unknown flag) or could not complete it. */
  @ExceptionHandler(ApplicationFailure.class)
  ResponseEntity<String> refused(ApplicationFailure e) {
    HttpStatus status =
        switch (e.getType()) {
          case "INVALID_INPUT" -> HttpStatus.BAD_REQUEST;
          case "NOT_FOUND" -> HttpStatus.NOT_FOUND;
          case "CONFLICT", "REFUSED" -> HttpStatus.CONFLICT;
          default -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    return error(status, e.getOriginalMessage());
  }

  /** PostgreSQL, the source of truth, is unreachable or failed: nothing was changed. */
  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<String> storeUnavailable(DataAccessException e) {
    log.warn("flag store failed: {}", FailureType.rootMessage(e));
    return error(
        HttpStatus.SERVICE_UNAVAILABLE,
        "the flag store (PostgreSQL) failed, nothing was changed: " + FailureType.rootMessage(e));
  }

  private static ResponseEntity<String> error(HttpStatus status, String message) {
    ObjectNode body = JSON.createObjectNode().put("error", message);
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body.toString());
  }
}
