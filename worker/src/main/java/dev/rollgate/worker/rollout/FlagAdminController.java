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
import dev.rollgate.flags.FlagEvaluation;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.FlagType;
import dev.rollgate.flags.FlagValidation;
import dev.rollgate.flags.Prerequisite;
import dev.rollgate.flags.Rule;
import dev.rollgate.flags.Variant;
import dev.rollgate.flags.VariationType;
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
  private final java.time.Clock clock;

  FlagAdminController(
      FlagStore store, FlagPublisher publisher, FlagOwners owners, java.time.Clock clock) {
    this.store = store;
    this.publisher = publisher;
    this.owners = owners;
    this.clock = clock;
  }

  @GetMapping
  ResponseEntity<String> list() throws IOException {
    ArrayNode array = JSON.createArrayNode();
    for (FlagDefinition flag : store.list()) {
      array.add(JSON.readTree(FlagCodec.toJson(flag)));
    }
    return ResponseEntity.ok(JSON.writeValueAsString(array));
  }

  /**
   * {@code GET /api/flags?stale}: the flags older than their type's expected lifetime ({@link
   * FlagType}), oldest first, each {@code {"name", "type", "createdAtMillis", "ageDays",
   * "lifetimeDays", "updatedAtMillis", "updatedBy"}}. A query parameter rather than a path, so that
   * a flag named {@code stale} stays reachable at {@code /api/flags/stale}.
   */
  @GetMapping(params = "stale")
  ResponseEntity<String> stale() throws IOException {
    long now = clock.millis();
    ArrayNode array = JSON.createArrayNode();
    for (FlagStore.Lifecycle l : store.stale()) {
      FlagDefinition f = l.definition();
      array
          .addObject()
          .put("name", f.name())
          .put("type", f.type().id())
          .put("createdAtMillis", l.createdAtMillis())
          .put("ageDays", l.age(now).toDays())
          .put("lifetimeDays", f.type().lifetime().orElseThrow().toDays())
          .put("updatedAtMillis", f.updatedAtMillis())
          .put("updatedBy", f.updatedBy());
    }
    return ResponseEntity.ok(JSON.writeValueAsString(array));
  }

  /**
   * The flag as stored, with its lifecycle: {@code createdAtMillis} (its first change since its
   * last deletion), {@code ageDays}, {@code lifetimeDays} (absent for a permanent type) and {@code
   * stale}.
   */
  @GetMapping("/{name}")
  ResponseEntity<String> get(@PathVariable String name) throws IOException {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    java.util.Optional<FlagStore.Lifecycle> found = store.lifecycle(name);
    if (found.isEmpty()) {
      return error(HttpStatus.NOT_FOUND, "flag '" + name + "' does not exist");
    }
    FlagStore.Lifecycle l = found.get();
    long now = clock.millis();
    ObjectNode answer = (ObjectNode) JSON.readTree(FlagCodec.toJson(l.definition()));
    answer.put("createdAtMillis", l.createdAtMillis()).put("ageDays", l.age(now).toDays());
    l.definition().type().lifetime().ifPresent(d -> answer.put("lifetimeDays", d.toDays()));
    answer.put("stale", l.staleAt(now));
    return ResponseEntity.ok(answer.toString());
  }

  /**
   * Body: {@code {"by": "...", "reason": "...", "percent": 25, "enabled": true, "killed": false,
   * "allowUsers": [...], "denyUsers": [...], "rules": ["country in DE,FR; plan eq pro"],
   * "prerequisites": [{"flag": "new_api", "on": true}], "type": "release", "idempotencyKey":
   * "..."}} (type: a {@link FlagType} id, else 400), and the variant fields of {@link
   * #variantEdit}; every field but {@code by} is optional. Prerequisites must exist and form no
   * cycle (400 otherwise).
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

  /**
   * Body: {@code {"user": "u1", "attributes": {"country": "DE"}}}. Answers the decision with its
   * explanation: {@code enabled}, {@code reason} (flags-client's {@code EvaluationReason}), {@code
   * rule} and {@code ruleText} (the first matching rule, 1-based, when one matched), {@code bucket}
   * (the user's bucket, 0..9999, when the stickiness attribute is present), {@code prerequisite}
   * (the one that failed, with reason PREREQUISITE_FAILED) and {@code explanation} (one line); on a
   * multivariate flag {@code variant}, {@code variantValue}, {@code variantSource} (off, rule,
   * weight, default) and {@code variantBucket} (with weight). No variant is given when the flag is
   * off and has no off variant: the application's default is served.
   */
  @PostMapping(path = "/{name}/evaluate", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> evaluate(@PathVariable String name, @RequestBody String body)
      throws IOException {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    JsonNode request = jsonObject(body);
    List<FlagDefinition> all = store.list();
    var flag = all.stream().filter(f -> f.name().equals(name)).findFirst();
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
    // every flag, so that prerequisites are evaluated as flags-client evaluates them
    FlagEvaluation evaluation = FlagSnapshot.of(all).explain(name, context, false);
    String key = "userId".equals(def.stickiness()) ? user : attributes.get(def.stickiness());
    ObjectNode result = JSON.createObjectNode();
    result.put("flag", name);
    result.put("version", def.version());
    result.put("enabled", evaluation.on());
    result.put("rolloutPercent", def.rolloutPercent());
    if (key != null) {
      result.put("bucket", Bucketing.bucket(def.salt(), key));
    }
    result.put("reason", evaluation.reason().name());
    if (evaluation.rule() > 0) {
      result.put("rule", evaluation.rule());
      result.put("ruleText", FlagRuleSyntax.format(def.rules().get(evaluation.rule() - 1)));
    }
    if (evaluation.prerequisite() != null) {
      result.put("prerequisite", evaluation.prerequisite());
    }
    if (evaluation.variant() != null) {
      result.put("variant", evaluation.variant());
      result.set(
          "variantValue", def.variant(evaluation.variant()).map(Variant::value).orElse(null));
      result.put("variantSource", evaluation.variantSource());
      if (evaluation.variantBucket() >= 0) {
        result.put("variantBucket", evaluation.variantBucket());
      }
    } else if (def.multivariate()) {
      result.put("variantSource", evaluation.variantSource());
    }
    result.put("explanation", evaluation.explanation());
    return ResponseEntity.ok(JSON.writeValueAsString(result));
  }

  private static UnaryOperator<FlagDefinition> edits(JsonNode edit) {
    List<UnaryOperator<FlagDefinition>> steps = new ArrayList<>();
    if (edit.has("type")) {
      FlagType type = FlagType.parse(edit.get("type").asText(""));
      steps.add(d -> d.withType(type));
    }
    if (edit.has("percent")) {
      int bp = FlagValidation.basisPoints("percent", decimal(edit.get("percent"), "percent"));
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
    UnaryOperator<FlagDefinition> variants = variantEdit(edit);
    if (variants != null) {
      steps.add(variants);
    }
    if (edit.has("prerequisites")) {
      JsonNode array = edit.get("prerequisites");
      if (!array.isArray()) {
        throw new IllegalArgumentException(
            "'prerequisites' must be a JSON array of {\"flag\": NAME, \"on\": true|false}");
      }
      List<Prerequisite> prerequisites = new ArrayList<>();
      for (JsonNode p : array) {
        if (!p.isObject() || !p.path("flag").isTextual()) {
          throw new IllegalArgumentException(
              "each prerequisite must be {\"flag\": NAME, \"on\": true|false}, got " + p);
        }
        prerequisites.add(new Prerequisite(p.get("flag").asText(), p.path("on").asBoolean(true)));
      }
      steps.add(d -> d.withPrerequisites(prerequisites));
    }
    return d -> {
      FlagDefinition result = d;
      for (UnaryOperator<FlagDefinition> step : steps) {
        result = step.apply(result);
      }
      return result;
    };
  }

  /**
   * The variant fields of a change, null when it has none: {@code "variationType": "string" |
   * "number" | "json" | null} (null: a boolean flag again, its variants dropped), {@code
   * "variants": [{"name": "blue", "value": "#00f", "weight": 50}]} (weight a percentage, at most
   * two decimals; the list replaces the flag's variants and its buckets are moved from the old
   * ones), {@code "offVariant"}, {@code "defaultVariant"}, {@code "variantSalt"} (null or ""
   * clears). Fields left out keep the flag's.
   */
  private static UnaryOperator<FlagDefinition> variantEdit(JsonNode edit) {
    List<String> fields =
        List.of("variationType", "variants", "offVariant", "defaultVariant", "variantSalt");
    if (fields.stream().noneMatch(edit::has)) {
      return null;
    }
    boolean typeGiven = edit.has("variationType");
    boolean toBoolean = typeGiven && edit.get("variationType").isNull();
    VariationType type = null;
    if (typeGiven && !toBoolean) {
      String text = edit.get("variationType").asText("");
      try {
        type = VariationType.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "variationType '" + text + "' is not one of string, number, json");
      }
    }
    List<Variant> variants = null;
    if (edit.has("variants")) {
      JsonNode array = edit.get("variants");
      if (!array.isArray()) {
        throw new IllegalArgumentException(
            "'variants' must be a JSON array of {\"name\": NAME, \"value\": VALUE, \"weight\":"
                + " PERCENT}");
      }
      variants = new ArrayList<>();
      for (JsonNode v : array) {
        if (!v.isObject() || !v.path("name").isTextual() || !v.has("value")) {
          throw new IllegalArgumentException(
              "each variant must be {\"name\": NAME, \"value\": VALUE, \"weight\": PERCENT},"
                  + " got "
                  + v);
        }
        String name = v.get("name").asText();
        int weight =
            v.has("weight")
                ? FlagValidation.basisPoints(
                    "variant " + name + " weight", decimal(v.get("weight"), "weight"))
                : 0;
        variants.add(new Variant(name, v.get("value"), weight));
      }
    }
    VariationType newType = type;
    List<Variant> newVariants = toBoolean ? List.of() : variants;
    String off = text(edit, "offVariant");
    String fallback = text(edit, "defaultVariant");
    String salt = text(edit, "variantSalt");
    return d ->
        d.withVariants(
            toBoolean ? null : typeGiven ? newType : d.variationType(),
            newVariants != null ? newVariants : d.variants(),
            toBoolean ? null : edit.has("offVariant") ? off : d.offVariant(),
            toBoolean ? null : edit.has("defaultVariant") ? fallback : d.defaultVariant(),
            edit.has("variantSalt") ? salt : d.variantSalt());
  }

  /** A text field, null when absent or JSON null. */
  private static String text(JsonNode edit, String field) {
    JsonNode node = edit.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  /** What is over {@link OperatorText}'s limits in {@code by} or {@code reason}, or null. */
  private static String tooLong(String by, String reason) {
    String problem = OperatorText.byProblem("'by'", by);
    return problem != null ? problem : OperatorText.textProblem("'reason'", reason);
  }

  /** A number, also written as a JSON string ({@code "12.5"}), exactly as written. */
  private static BigDecimal decimal(JsonNode node, String what) {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    try {
      return new BigDecimal(node.asText().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " " + node + " is not a number");
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
