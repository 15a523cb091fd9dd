package dev.rollgate.starter.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagValidation;
import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.WorkerApi;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "flags",
    description = "Feature flags: list, get, set, delete, eval (through the worker's API).",
    subcommands = {
      FlagsCommand.ListFlags.class,
      FlagsCommand.Get.class,
      FlagsCommand.Set.class,
      FlagsCommand.Delete.class,
      FlagsCommand.Eval.class
    })
public class FlagsCommand {

  abstract static class Base implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    /** The worker's flag API; the flag name is checked first, with the one flag-name rule. */
    JsonNode call(String method, String flag, String suffix, JsonNode body) {
      if (flag != null) {
        String problem = FlagNames.problem(flag);
        if (problem != null) {
          throw CliException.usage(problem);
        }
      }
      WorkerApi api = new WorkerApi(connection.workerUrl);
      String path = "/api/flags" + (flag == null ? "" : "/" + WorkerApi.segment(flag)) + suffix;
      return switch (method) {
        case "PUT" -> api.put(path, body);
        case "POST" -> api.post(path, body);
        case "DELETE" -> api.delete(path, body);
        default -> api.get(path);
      };
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    Console console() {
      return Console.of(spec, connection);
    }

    void printFlag(JsonNode f) {
      if (console().json()) {
        console().printJson(f);
        return;
      }
      String warning = f.path("warning").asText(null);
      if (warning != null) {
        spec.commandLine().getErr().println("rollgate: warning: " + warning);
      }
      out()
          .printf(
              "Flag       %s (version %d)%n", f.path("name").asText(), f.path("version").asLong());
      out().printf("State      %s%n", state(f));
      out().printf("Rollout    %s %%%n", percent(f));
      if (!f.path("allowUsers").isEmpty()) {
        out().printf("Allow      %s%n", join(f.path("allowUsers")));
      }
      if (!f.path("denyUsers").isEmpty()) {
        out().printf("Deny       %s%n", join(f.path("denyUsers")));
      }
      for (JsonNode rule : f.path("rules")) {
        List<String> conditions = new ArrayList<>();
        for (JsonNode c : rule.path("conditions")) {
          conditions.add(
              c.path("attribute").asText()
                  + " "
                  + c.path("op").asText().toLowerCase()
                  + " "
                  + join(c.path("values")));
        }
        out().printf("Rule       %s%n", String.join("; ", conditions));
      }
      out().printf("Updated    by %s%n", f.path("updatedBy").asText());
    }

    static String state(JsonNode f) {
      if (f.path("killed").asBoolean()) {
        return "KILLED (off for everyone)";
      }
      return f.path("enabled").asBoolean() ? "enabled" : "disabled";
    }

    static String percent(JsonNode f) {
      return Console.basisPoints(f.path("rolloutBasisPoints").asInt());
    }

    static String join(JsonNode array) {
      List<String> items = new ArrayList<>();
      array.forEach(n -> items.add(n.asText()));
      return String.join(",", items);
    }
  }

  @Command(name = "list", description = "List every flag.")
  static class ListFlags extends Base {
    @Override
    public Integer call() {
      JsonNode flags = call("GET", null, "", null);
      if (console().json()) {
        console().printJson(flags);
        return 0;
      }
      if (flags.isEmpty()) {
        out().println("no flags yet (create one: rollgate flags set NAME --percent 0)");
        return 0;
      }
      String format = "%-32s  %7s  %9s  %-26s  %s%n";
      out().printf(format, "FLAG", "VERSION", "ROLLOUT", "STATE", "UPDATED BY");
      for (JsonNode f : flags) {
        out()
            .printf(
                format,
                f.path("name").asText(),
                f.path("version").asLong(),
                percent(f) + " %",
                state(f),
                f.path("updatedBy").asText());
      }
      return 0;
    }
  }

  @Command(name = "get", description = "Show one flag.")
  static class Get extends Base {
    @Parameters(index = "0", paramLabel = "FLAG")
    String flag;

    @Override
    public Integer call() {
      printFlag(call("GET", flag, "", null));
      return 0;
    }
  }

  @Command(
      name = "set",
      description = {
        "Create or change a flag (a new version; audited; pushed to every client).",
        "While a rollout of the flag runs it owns the flag: a change is refused (exit 1), or made"
            + " with a warning under the worker's rollgate.flags.owned-flag-policy=warn;"
            + " --killed true is always made.",
        "  rollgate flags set new_checkout --percent 0 --rule 'country in DE,FR; plan eq pro'"
      })
  static class Set extends Base {
    @Mixin ActorOptions actor;

    @Parameters(index = "0", paramLabel = "FLAG")
    String flag;

    @Option(
        names = "--percent",
        description = "rollout percentage 0-100, at most two decimals (0.01 steps)")
    String percent;

    @Option(names = "--enabled", arity = "1", description = "true or false")
    Boolean enabled;

    @Option(
        names = "--killed",
        arity = "1",
        description = "kill switch: true turns the flag off for everyone")
    Boolean killed;

    @Option(names = "--allow", split = ",", description = "users always on")
    List<String> allow;

    @Option(names = "--deny", split = ",", description = "users always off")
    List<String> deny;

    @Option(
        names = "--rule",
        description =
            "'ATTR OP VALUES; ATTR OP VALUES' (AND); repeat for OR. OP: eq neq in not_in gt gte lt lte semver_eq semver_gt semver_gte semver_lt semver_lte")
    List<String> rules;

    @Option(names = "--clear-rules", description = "remove every rule")
    boolean clearRules;

    @Option(names = "--reason", description = "why, for the audit log")
    String reason;

    @Override
    public Integer call() {
      if (percent != null) {
        try {
          FlagValidation.basisPoints("--percent", new BigDecimal(percent.trim()));
        } catch (NumberFormatException e) {
          throw CliException.usage("--percent '" + percent + "' is not a number");
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage());
        }
      }
      ObjectNode body = Console.JSON.createObjectNode();
      body.put("by", actor.by());
      if (reason != null) {
        body.put("reason", reason);
      }
      if (percent != null) {
        body.put("percent", new BigDecimal(percent.trim()));
      }
      if (enabled != null) {
        body.put("enabled", enabled);
      }
      if (killed != null) {
        body.put("killed", killed);
      }
      if (allow != null) {
        body.set("allowUsers", array(allow));
      }
      if (deny != null) {
        body.set("denyUsers", array(deny));
      }
      if (rules != null || clearRules) {
        body.set("rules", array(rules == null ? List.of() : rules));
      }
      printFlag(call("PUT", flag, "", body));
      return 0;
    }

    private static ArrayNode array(List<String> values) {
      ArrayNode a = Console.JSON.createArrayNode();
      values.forEach(a::add);
      return a;
    }
  }

  @Command(
      name = "delete",
      description = {
        "Delete a flag (audited as flag-deleted). Every flags-client drops it at once and then"
            + " evaluates it as unknown: the default the application passes. With Redis down the"
            + " deletion is saved and reaches the clients as soon as Redis is back.",
        "Refused (exit 1) while a rollout of the flag runs, whatever the worker's"
            + " rollgate.flags.owned-flag-policy; an unknown flag is exit 2.",
        "  rollgate flags delete old_banner --reason 'fully rolled out, code path removed'"
      })
  static class Delete extends Base {
    @Mixin ActorOptions actor;

    @Parameters(index = "0", paramLabel = "FLAG")
    String flag;

    @Option(names = "--reason", required = true, description = "why, for the audit log")
    String reason;

    @Override
    public Integer call() {
      if (reason.isBlank()) {
        throw CliException.usage("--reason must not be blank");
      }
      ObjectNode body = Console.JSON.createObjectNode();
      body.put("by", actor.by());
      body.put("reason", reason);
      JsonNode result = call("DELETE", flag, "", body);
      if (console().json()) {
        console().printJson(result);
        return 0;
      }
      String warning = result.path("warning").asText(null);
      if (warning != null) {
        spec.commandLine().getErr().println("rollgate: warning: " + warning);
      }
      out()
          .printf(
              "deleted flag %s (version %d); clients now evaluate it as unknown (their default)%n",
              flag, result.path("version").asLong());
      return 0;
    }
  }

  @Command(name = "eval", description = "Evaluate a flag for a user, as flags-client would.")
  static class Eval extends Base {
    @Parameters(index = "0", paramLabel = "FLAG")
    String flag;

    @Option(names = "--user", required = true, description = "the user id")
    String user;

    @Option(names = "--attr", description = "attribute k=v, repeatable")
    List<String> attrs = new ArrayList<>();

    @Override
    public Integer call() {
      ObjectNode body = Console.JSON.createObjectNode();
      body.put("user", user);
      ObjectNode attributes = body.putObject("attributes");
      for (String a : attrs) {
        int eq = a.indexOf('=');
        if (eq <= 0) {
          throw CliException.usage("--attr '" + a + "' must be KEY=VALUE");
        }
        attributes.put(a.substring(0, eq), a.substring(eq + 1));
      }
      JsonNode result = call("POST", flag, "/evaluate", body);
      if (console().json()) {
        console().printJson(result);
      } else {
        out()
            .printf(
                "%s for %s: %s (version %d, rollout %s %%, bucket %s of 10000)%n",
                flag,
                user,
                result.path("enabled").asBoolean() ? "ON" : "OFF",
                result.path("version").asLong(),
                result.path("rolloutPercent").asText(),
                result.path("bucket").asText("-"));
      }
      return 0;
    }
  }
}
