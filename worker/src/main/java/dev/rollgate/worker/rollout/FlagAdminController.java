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
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagSnapshot;
import dev.rollgate.flags.Rule;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
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
 * every client) and evaluate. JSON in and out is flags-client's own codec.
 */
@RestController
@RequestMapping(path = "/api/flags", produces = MediaType.APPLICATION_JSON_VALUE)
class FlagAdminController {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FlagStore store;
  private final FlagPublisher publisher;

  FlagAdminController(FlagStore store, FlagPublisher publisher) {
    this.store = store;
    this.publisher = publisher;
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
  ResponseEntity<String> set(@PathVariable String name, @RequestBody String body) {
    String problem = FlagNames.problem(name);
    if (problem != null) {
      return error(HttpStatus.BAD_REQUEST, problem);
    }
    JsonNode edit;
    UnaryOperator<FlagDefinition> change;
    try {
      edit = JSON.readTree(body);
      change = edits(edit);
    } catch (IOException | IllegalArgumentException e) {
      return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
    String by = edit.path("by").asText("");
    if (by.isBlank()) {
      return error(HttpStatus.BAD_REQUEST, "'by' (who is changing the flag) is required");
    }
    String key = edit.path("idempotencyKey").asText("cli/" + name + "/" + UUID.randomUUID());
    FlagStore.Applied applied =
        store.apply(
            new FlagStore.Change(
                name, change, true, key, by, edit.path("reason").asText(null), null));
    publisher.publish(applied.definition());
    return ResponseEntity.ok(FlagCodec.toJson(applied.definition()));
  }

  /** Body: {@code {"user": "u1", "attributes": {"country": "DE"}}}. */
  @PostMapping(path = "/{name}/evaluate", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> evaluate(@PathVariable String name, @RequestBody String body)
      throws IOException {
    var flag = store.find(name);
    if (flag.isEmpty()) {
      return error(HttpStatus.NOT_FOUND, "flag '" + name + "' does not exist");
    }
    JsonNode request = JSON.readTree(body);
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
      double percent = edit.get("percent").asDouble(-1);
      if (!(percent >= 0 && percent <= 100)) {
        throw new IllegalArgumentException("percent " + edit.get("percent") + " is outside 0-100");
      }
      int bp = (int) Math.round(percent * 100);
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
      List<String> users = strings(edit.get("allowUsers"));
      steps.add(d -> d.withAllowUsers(users));
    }
    if (edit.has("denyUsers")) {
      List<String> users = strings(edit.get("denyUsers"));
      steps.add(d -> d.withDenyUsers(users));
    }
    if (edit.has("rules")) {
      List<Rule> rules = strings(edit.get("rules")).stream().map(FlagRuleSyntax::parse).toList();
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

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Invalid definitions found while applying an edit: the caller's mistake, one sentence. */
  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<String> invalid(IllegalArgumentException e) {
    return error(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  /** The store refused or could not be reached (conflict, database down). */
  @ExceptionHandler(ApplicationFailure.class)
  ResponseEntity<String> refused(ApplicationFailure e) {
    return error(HttpStatus.SERVICE_UNAVAILABLE, e.getOriginalMessage());
  }

  private static ResponseEntity<String> error(HttpStatus status, String message) {
    ObjectNode body = JSON.createObjectNode().put("error", message);
    return ResponseEntity.status(status).body(body.toString());
  }
}
