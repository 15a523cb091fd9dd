package dev.rollgate.starter.migration;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.ExitCode;
import dev.rollgate.workflows.migration.Backfill;
import dev.rollgate.workflows.migration.PlannedMigration;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.VerifyCheck;
import dev.rollgate.workflows.migration.plan.MigrationPlan;
import dev.rollgate.workflows.migration.plan.MigrationPlanner;
import dev.rollgate.workflows.migration.plan.Operation;
import dev.rollgate.workflows.migration.plan.Sql;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rollgate migrate plan <file>}: a dry run. Reads a migration plan (YAML or JSON), validates
 * all of it and prints exactly the SQL each phase runs: preflight checks, expand, backfill,
 * after-backfill, verify, contract and rollback. Connects to nothing. A bad plan is exit 2 with one
 * line per problem on stderr.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Validate a migration plan (YAML or JSON) and print the SQL of every phase; connects to"
          + " nothing.",
      "See docs/migration-plans.md for the format, one example per operation."
    })
public class MigratePlanCommand implements Callable<Integer> {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<file>", description = "the plan, YAML or JSON")
  Path file;

  @Option(
      names = "--database",
      required = true,
      description = "the registered database the plan is for (rollgate.databases.<name>)")
  String database;

  @Option(
      names = "--server-version",
      defaultValue = "18",
      description =
          "the target's PostgreSQL major version, ${DEFAULT-VALUE} by default (18 uses NOT NULL"
              + " ... NOT VALID; older servers a CHECK constraint)")
  int serverVersion;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "sql",
      description = "sql (default) or json (the rendered phases, for scripts)")
  String output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!output.equals("sql") && !output.equals("json")) {
      err.println("rollgate: --output must be sql or json");
      return ExitCode.USAGE;
    }
    String problem = Sql.identifierProblem(database);
    if (problem != null) {
      err.println("rollgate: --database " + problem);
      return ExitCode.USAGE;
    }
    MigrationPlan plan;
    try {
      plan = read(file);
    } catch (BadPlan e) {
      err.println("rollgate: " + e.getMessage());
      return ExitCode.USAGE;
    }
    List<String> problems = MigrationPlanner.validate(plan, serverVersion);
    if (!problems.isEmpty()) {
      problems.forEach(p -> err.println("rollgate: " + file.getFileName() + ": " + p));
      return ExitCode.USAGE;
    }
    PlannedMigration planned = MigrationPlanner.render(plan, database, serverVersion);
    if (output.equals("json")) {
      new Console(out, dev.rollgate.starter.cli.Output.json).printJson(planned);
    } else {
      print(out, planned);
    }
    out.flush();
    return ExitCode.OK;
  }

  /** A plan file that does not parse: one line saying where and why. */
  static final class BadPlan extends Exception {
    BadPlan(String message) {
      super(message, null, false, false);
    }
  }

  /** Parses a plan file: JSON when it starts with '{', else YAML. */
  static MigrationPlan read(Path file) throws BadPlan {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new BadPlan("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new BadPlan("cannot read " + file + ": " + e.getMessage());
    }
    if (text.isBlank()) {
      throw new BadPlan(file.getFileName() + ": the plan is empty");
    }
    boolean json = text.stripLeading().startsWith("{");
    try {
      MigrationPlan plan = (json ? JSON : YAML).readValue(text, MigrationPlan.class);
      if (plan == null) {
        throw new BadPlan(file.getFileName() + ": the plan is empty");
      }
      return plan;
    } catch (InvalidTypeIdException e) {
      throw new BadPlan(
          file.getFileName()
              + ": "
              + where(e)
              + "unsupported operation '"
              + e.getTypeId()
              + "' (supported: "
              + supported()
              + ")");
    } catch (UnrecognizedPropertyException e) {
      throw new BadPlan(
          file.getFileName() + ": " + where(e) + "unknown property '" + e.getPropertyName() + "'");
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      throw new BadPlan(
          file.getFileName()
              + ": not a valid "
              + (json ? "JSON" : "YAML")
              + " plan"
              + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ")")
              + ": "
              + firstLine(e.getOriginalMessage()));
    }
  }

  private static String where(JsonMappingException e) {
    String path =
        e.getPath().stream()
            .map(
                r ->
                    r.getFieldName() != null
                        ? "." + r.getFieldName()
                        : "[" + (r.getIndex() + 1) + "]")
            .collect(Collectors.joining());
    return path.isEmpty() ? "" : path.substring(path.startsWith(".") ? 1 : 0) + ": ";
  }

  private static String supported() {
    return Arrays.stream(Operation.class.getPermittedSubclasses())
        .map(c -> c.getAnnotation(Operation.Op.class).value())
        .collect(Collectors.joining(", "));
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.strip().lines().findFirst().orElse("");
  }

  /** The phases as SQL: comments say what each statement does and how it runs. */
  static void print(PrintWriter out, PlannedMigration p) {
    out.println(
        "-- migration "
            + p.name()
            + " on database "
            + p.database()
            + " (PostgreSQL "
            + p.serverMajor()
            + "), schema "
            + p.schema()
            + "; the new version's views are in "
            + p.versionSchema());
    checks(
        out, "preflight: each query counts problems, all must be 0 before expand", p.preflight());
    steps(out, "expand", p.expand());
    out.println();
    out.println("-- backfill: keyset batches by primary key over the rows present at its start,");
    out.println("-- the cursor committed in the same transaction as each batch");
    if (p.backfills().isEmpty()) {
      out.println("-- (nothing to fill)");
    }
    for (Backfill b : p.backfills()) {
      String key = b.keyColumns().stream().map(Sql::quote).collect(Collectors.joining(", "));
      out.println("-- " + b.description());
      out.println(
          "UPDATE "
              + Sql.quote(b.schema(), b.table())
              + " SET "
              + b.set()
              + " WHERE ("
              + key
              + ") > (:cursor) AND ("
              + key
              + ") <= (:batch_end);");
    }
    steps(out, "after-backfill", p.afterBackfill());
    checks(out, "verify: each query counts rows that do not match, all must be 0", p.verify());
    steps(out, "contract (after the switch gate, with a verified backup)", p.contract());
    steps(out, "rollback (before contract; every step idempotent)", p.rollback());
  }

  private static void steps(PrintWriter out, String phase, List<SqlStep> steps) {
    out.println();
    out.println("-- " + phase);
    if (steps.isEmpty()) {
      out.println("-- (nothing)");
    }
    for (SqlStep s : steps) {
      out.println(
          "-- "
              + s.description()
              + " ["
              + s.execution()
              + (s.table() == null ? "" : " on " + s.schema() + "." + s.table())
              + "]");
      out.println(s.sql() + ";");
    }
  }

  private static void checks(PrintWriter out, String phase, List<VerifyCheck> checks) {
    out.println();
    out.println("-- " + phase);
    if (checks.isEmpty()) {
      out.println("-- (nothing)");
    }
    for (VerifyCheck c : checks) {
      out.println("-- " + c.description());
      out.println(c.sql() + ";");
    }
  }
}
