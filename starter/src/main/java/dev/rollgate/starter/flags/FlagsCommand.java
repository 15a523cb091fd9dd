package dev.rollgate.starter.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagType;
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
    description = "Feature flags: list, get, set, delete, eval, stale (through the worker's API).",
    subcommands = {
      FlagsCommand.ListFlags.class,
      FlagsCommand.Get.class,
      FlagsCommand.Set.class,
      FlagsCommand.Delete.class,
      FlagsCommand.Eval.class,
      FlagsCommand.Stale.class
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
      out().printf("Type       %s%n", lifecycle(f));
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
                  + (c.path("negate").asBoolean(false) ? "!" : "")
                  + c.path("op").asText().toLowerCase()
                  + (c.path("caseInsensitive").asBoolean(false) ? ":i" : "")
                  + " "
                  + join(c.path("values")));
        }
        out()
            .printf(
                "Rule       %s%s%n",
                String.join("; ", conditions),
                rule.hasNonNull("variant") ? " => " + rule.path("variant").asText() : "");
      }
      if (!f.path("prerequisites").isEmpty()) {
        List<String> required = new ArrayList<>();
        for (JsonNode p : f.path("prerequisites")) {
          required.add(
              p.path("flag").asText() + " (" + (p.path("on").asBoolean(true) ? "on" : "off") + ")");
        }
        out().printf("Requires   %s%n", String.join(", ", required));
      }
      if (f.hasNonNull("variationType")) {
        out()
            .printf(
                "Variants   %s (variant salt %s)%n",
                f.path("variationType").asText().toLowerCase(java.util.Locale.ROOT),
                f.path("variantSalt").asText(f.path("salt").asText() + "/variants"));
        for (JsonNode v : f.path("variants")) {
          out()
              .printf(
                  "  %-24s %7s %%  %s%n",
                  v.path("name").asText(),
                  Console.basisPoints(v.path("weightBasisPoints").asInt()),
                  v.path("value").toString());
        }
        out()
            .printf("Off        %s%n", f.path("offVariant").asText("(none: the caller's default)"));
        if (f.hasNonNull("defaultVariant")) {
          out().printf("Default    %s%n", f.path("defaultVariant").asText());
        }
      }
      out().printf("Updated    by %s%n", f.path("updatedBy").asText());
    }

    /**
     * The flag's type, its age when the worker sent it ({@code flags get}) and its expected
     * lifetime: {@code release (age 12 days; expected lifetime 40 days)}, {@code STALE} appended
     * past it.
     */
    static String lifecycle(JsonNode f) {
      FlagType type = FlagType.parse(f.path("type").asText(FlagType.DEFAULT.id()));
      String lifetime =
          type.lifetime().map(d -> "expected lifetime " + days(d.toDays())).orElse("permanent");
      String age = f.has("ageDays") ? "age " + days(f.path("ageDays").asLong()) + "; " : "";
      String stale =
          f.path("stale").asBoolean(false)
              ? " STALE: remove it from the code and delete it, or change its type"
              : "";
      return type.id() + " (" + age + lifetime + ")" + stale;
    }

    static String days(long days) {
      return days + (days == 1 ? " day" : " days");
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
        "  rollgate flags set new_checkout --percent 0 --rule 'country in DE,FR; plan eq pro'",
        "A multivariate flag serves one of its variants (string, number or JSON values) by weight;"
            + " a rule ending in '=> VARIANT' serves that variant:",
        "  rollgate flags set button_color --percent 100 --variation-type string"
            + " --variant red=#f00:50 --variant blue=#00f:50 --rule 'plan eq pro => blue'"
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
            "'ATTR OP VALUES; ATTR OP VALUES' (AND), optionally ending '=> VARIANT' to serve a"
                + " variant; repeat for OR. OP: eq neq in not_in gt gte lt"
                + " lte num_eq semver_eq semver_gt semver_gte semver_lt semver_lte starts_with"
                + " ends_with contains matches in_cidr date_before date_after; OP:i ignores case"
                + " (eq neq in not_in starts_with ends_with contains matches), !OP negates. matches takes one"
                + " bounded regular expression (commas allowed); see the README")
    List<String> rules;

    @Option(names = "--clear-rules", description = "remove every rule")
    boolean clearRules;

    @Option(
        names = "--prerequisite",
        paramLabel = "FLAG[=on|off]",
        description =
            "a flag that must be on (or off, with =off) for the same user first; repeatable; the"
                + " list replaces the flag's prerequisites. Otherwise the flag is off with reason"
                + " PREREQUISITE_FAILED")
    List<String> prerequisites;

    @Option(names = "--clear-prerequisites", description = "remove every prerequisite")
    boolean clearPrerequisites;

    @Option(
        names = "--variation-type",
        paramLabel = "TYPE",
        description =
            "make the flag multivariate: string, number or json (the type of every variant's"
                + " value); boolean drops its variants")
    String variationType;

    @Option(
        names = "--variant",
        paramLabel = "NAME=VALUE:WEIGHT",
        description =
            "a variant and its weight in percent (at most two decimals), e.g. blue=#00f:50 or"
                + " 'layout={\"cols\":3}:25'; repeatable, the list replaces the flag's variants"
                + " and weights must sum to 100. A user keeps their variant unless its weight"
                + " falls")
    List<String> variants;

    @Option(
        names = "--off-variant",
        paramLabel = "NAME",
        description =
            "the variant served when the flag is off for a user ('' for none: the caller's default)")
    String offVariant;

    @Option(
        names = "--default-variant",
        paramLabel = "NAME",
        description =
            "the variant served when the flag is on but there is no stickiness value to split by"
                + " (default: the first)")
    String defaultVariant;

    @Option(
        names = "--variant-salt",
        paramLabel = "SALT",
        description = "the variant split's own hash salt (default: the flag's salt + /variants)")
    String variantSalt;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description =
            "what the flag is for, and so its expected lifetime (Unleash's types): release 40"
                + " days, experiment 40 days, operational 7 days, kill-switch and permission"
                + " permanent; a new flag is a release")
    String type;

    @Option(names = "--reason", description = "why, for the audit log")
    String reason;

    @Override
    public Integer call() {
      if (type != null) {
        try {
          type = FlagType.parse(type).id();
        } catch (IllegalArgumentException e) {
          throw CliException.usage("--type: " + e.getMessage());
        }
      }
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
      if (type != null) {
        body.put("type", type);
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
      if (prerequisites != null || clearPrerequisites) {
        ArrayNode required = body.putArray("prerequisites");
        for (String p : prerequisites == null ? List.<String>of() : prerequisites) {
          int eq = p.indexOf('=');
          String name = eq < 0 ? p : p.substring(0, eq);
          String state = eq < 0 ? "on" : p.substring(eq + 1);
          if (!state.equals("on") && !state.equals("off")) {
            throw CliException.usage(
                "--prerequisite '" + p + "' must be FLAG, FLAG=on or FLAG=off");
          }
          String problem = FlagNames.problem(name);
          if (problem != null) {
            throw CliException.usage("--prerequisite: " + problem);
          }
          required.addObject().put("flag", name).put("on", state.equals("on"));
        }
      }
      putVariants(body);
      printFlag(call("PUT", flag, "", body));
      return 0;
    }

    /** The variant options into the request; a malformed one is exit 2. */
    private void putVariants(ObjectNode body) {
      String type = null;
      if (variationType != null) {
        type = variationType.trim().toLowerCase(java.util.Locale.ROOT);
        if (type.equals("boolean")) {
          body.putNull("variationType");
          if (variants != null && !variants.isEmpty()) {
            throw CliException.usage("--variation-type boolean takes no --variant");
          }
        } else if (List.of("string", "number", "json").contains(type)) {
          body.put("variationType", type);
        } else {
          throw CliException.usage(
              "--variation-type '" + variationType + "' must be string, number, json or boolean");
        }
      }
      if (variants != null) {
        ArrayNode array = body.putArray("variants");
        for (String v : variants) {
          int eq = v.indexOf('=');
          int colon = v.lastIndexOf(':');
          if (eq <= 0 || colon < eq) {
            throw CliException.usage("--variant '" + v + "' must be NAME=VALUE:WEIGHT");
          }
          String name = v.substring(0, eq);
          String value = v.substring(eq + 1, colon);
          String weight = v.substring(colon + 1).trim();
          try {
            FlagValidation.basisPoints("--variant " + name + " weight", new BigDecimal(weight));
          } catch (NumberFormatException e) {
            throw CliException.usage(
                "--variant '" + v + "': weight '" + weight + "' is not a number");
          } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
          }
          ObjectNode variant = array.addObject().put("name", name);
          variant.set("value", variantValue(type, name, value));
          variant.put("weight", new BigDecimal(weight));
        }
      }
      if (offVariant != null) {
        body.put("offVariant", offVariant);
      }
      if (defaultVariant != null) {
        body.put("defaultVariant", defaultVariant);
      }
      if (variantSalt != null) {
        body.put("variantSalt", variantSalt);
      }
    }

    /**
     * A variant's value as JSON: with --variation-type json, the text parsed as JSON; with number,
     * a number when it reads as one (else the text, which the worker refuses as the wrong type);
     * otherwise the text. Without --variation-type the flag's own type decides on the worker: a
     * number-looking text is sent as a number only with number.
     */
    private static JsonNode variantValue(String type, String name, String value) {
      if ("json".equals(type)) {
        try {
          return Console.JSON.readTree(value);
        } catch (java.io.IOException e) {
          throw CliException.usage("--variant " + name + ": value '" + value + "' is not JSON");
        }
      }
      if ("number".equals(type)) {
        try {
          return Console.JSON.getNodeFactory().numberNode(new BigDecimal(value.trim()));
        } catch (NumberFormatException e) {
          return Console.JSON.getNodeFactory().textNode(value);
        }
      }
      return Console.JSON.getNodeFactory().textNode(value);
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

  @Command(
      name = "eval",
      description = {
        "Evaluate a flag for a user, as flags-client would.",
        "--explain also says why: the reason (KILLED, DISABLED, PREREQUISITE_FAILED, DENY_LIST,"
            + " ALLOW_LIST, NO_RULE_MATCHED, NO_STICKINESS_VALUE, ROLLOUT), the prerequisite that"
            + " failed, the rule that matched and the user's bucket.",
        "  rollgate flags eval new_checkout --user user-42 --attr country=DE --explain"
      })
  static class Eval extends Base {
    @Parameters(index = "0", paramLabel = "FLAG")
    String flag;

    @Option(names = "--explain", description = "say which check decided, which rule, which bucket")
    boolean explain;

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
        if (result.has("variant")) {
          out()
              .printf(
                  "  variant      %s = %s%n",
                  result.path("variant").asText(), result.path("variantValue").toString());
        } else if (result.has("variantSource")) {
          out().printf("  variant      none: the application's default%n");
        }
        if (explain) {
          out().printf("  reason       %s%n", result.path("reason").asText());
          if (result.has("prerequisite")) {
            out().printf("  prerequisite %s%n", result.path("prerequisite").asText());
          }
          if (result.has("rule")) {
            out()
                .printf(
                    "  rule         %d: %s%n",
                    result.path("rule").asInt(), result.path("ruleText").asText());
          }
          out().printf("  explanation  %s%n", result.path("explanation").asText());
        }
      }
      return 0;
    }
  }

  @Command(
      name = "stale",
      description = {
        "List the flags older than their type's expected lifetime, oldest first: release and"
            + " experiment 40 days, operational 7 days (kill-switch and permission flags never go"
            + " stale). A flag's age counts from its creation (its first version since it was last"
            + " deleted), not from its last change.",
        "Remove a stale flag from the code and delete it (rollgate flags delete), or change its"
            + " type (rollgate flags set FLAG --type permission)."
      })
  static class Stale extends Base {
    @Override
    public Integer call() {
      JsonNode flags = new WorkerApi(connection.workerUrl).get("/api/flags?stale");
      if (console().json()) {
        console().printJson(flags);
        return 0;
      }
      if (flags.isEmpty()) {
        out().println("no stale flags: every flag is within its type's expected lifetime");
        return 0;
      }
      String format = "%-32s  %-11s  %9s  %9s  %-18s  %s%n";
      out().printf(format, "FLAG", "TYPE", "AGE", "LIFETIME", "LAST CHANGED (UTC)", "BY");
      java.time.format.DateTimeFormatter when =
          java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
              .withZone(java.time.ZoneOffset.UTC);
      for (JsonNode f : flags) {
        out()
            .printf(
                format,
                f.path("name").asText(),
                f.path("type").asText(),
                days(f.path("ageDays").asLong()),
                days(f.path("lifetimeDays").asLong()),
                when.format(java.time.Instant.ofEpochMilli(f.path("updatedAtMillis").asLong())),
                f.path("updatedBy").asText());
      }
      return 0;
    }
  }
}
