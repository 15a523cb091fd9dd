package dev.rollgate.starter;

import dev.rollgate.starter.backup.BackupKind;
import dev.rollgate.starter.backup.DrillKind;
import dev.rollgate.starter.backup.RestoreKind;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.ExitCode;
import dev.rollgate.starter.cli.TextLimits;
import dev.rollgate.starter.deploy.DeployKind;
import dev.rollgate.starter.flags.FlagsCommand;
import dev.rollgate.starter.migration.MigrationKind;
import dev.rollgate.starter.release.DescribeCommand;
import dev.rollgate.starter.release.HistoryCommand;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.Kinds;
import dev.rollgate.starter.release.ListCommand;
import dev.rollgate.starter.release.StatusVerb;
import dev.rollgate.starter.release.VerbCommands;
import dev.rollgate.starter.rollout.RolloutKind;
import dev.rollgate.starter.secrets.SecretsKind;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rollgate}: start and steer Rollgate's releases. The root assembles the command tree: the
 * generic verbs, then one command group per registered kind with its {@code start} and the same
 * generic verbs bound to the kind. Subcommands never refer back to this class.
 */
@Command(
    name = "rollgate",
    version = "rollgate 0.1.0",
    description = "Start and steer Rollgate releases on Temporal.",
    footer = {
      "",
      "Exit codes: 0 done, 1 refused or failed, 2 bad usage or bad input (nothing was sent).",
      "Operator text: --by at most 100 characters, --reason and --comment at most 1000.",
      "Errors are one line on stderr. 'rollgate COMMAND --help' documents every option."
    })
public class RollgateCli implements Runnable {

  /** Every release kind the CLI knows. A new kind registers itself here, and only here. */
  static List<Kind> kinds() {
    return List.of(
        RolloutKind.KIND,
        DeployKind.KIND,
        BackupKind.KIND,
        RestoreKind.KIND,
        DrillKind.KIND,
        MigrationKind.KIND,
        SecretsKind.KIND);
  }

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw CliException.usage("a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI; returns the {@link ExitCode}. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (ex, arguments) -> {
          err.println("rollgate: " + ex.getMessage() + " (see --help)");
          return ExitCode.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof CliException cliEx) {
            err.println("rollgate: " + firstLine(cliEx.getMessage()));
            return cliEx.exitCode();
          }
          err.println("rollgate: " + firstLine(Console.reason(ex)));
          return ExitCode.FAILED;
        });
    cli.setExecutionStrategy(
        parsed -> {
          TextLimits.check(parsed);
          return new CommandLine.RunLast().execute(parsed);
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Errors are one line: a message carrying a server's stack trace keeps its first line. */
  private static String firstLine(String message) {
    String first = message == null ? "" : message.strip().lines().findFirst().orElse("");
    return first.length() < (message == null ? 0 : message.strip().length()) ? first + " …" : first;
  }

  /** The whole command tree, with {@code --help} and {@code --version} on every command. */
  static CommandLine commandLine() {
    Kinds kinds = new Kinds(kinds());
    CommandLine cli = new CommandLine(new RollgateCli());
    cli.addSubcommand("status", new StatusCommand(kinds));
    cli.addSubcommand("list", new ListCommand());
    addReleaseVerbs(cli, kinds, null);
    for (Kind kind : kinds.all()) {
      CommandLine group = new CommandLine(new KindGroup());
      group.getCommandSpec().usageMessage().description(kind.description());
      // a kind's own verb made by the start command's class (backup run) is start's alias, not a
      // second entry in the help
      Object start = kind.startCommand().get();
      List<String> startAliases = new ArrayList<>();
      List<CommandLine> own = new ArrayList<>();
      for (var command : kind.commands()) {
        Object made = command.get();
        CommandLine line = new CommandLine(made);
        if (made.getClass() == start.getClass()) {
          startAliases.add(line.getCommandName());
        } else {
          own.add(line);
        }
      }
      group.addSubcommand("start", start, startAliases.toArray(String[]::new));
      own.forEach(line -> group.addSubcommand(line.getCommandName(), line));
      group.addSubcommand("status", new StatusVerb(kinds, kind));
      addReleaseVerbs(group, kinds, kind);
      cli.addSubcommand(kind.name(), group, kind.aliases().toArray(String[]::new));
    }
    cli.addSubcommand("flags", new FlagsCommand());
    cli.addSubcommand("help", new HelpCommand());
    helpEverywhere(cli);
    return cli;
  }

  private static void addReleaseVerbs(CommandLine parent, Kinds kinds, Kind kind) {
    List<Function<Kinds, Object>> verbs =
        List.of(
            k -> new DescribeCommand(k, kind),
            k -> new HistoryCommand(k, kind),
            k -> new VerbCommands.Approve(k, kind),
            k -> new VerbCommands.Pause(k, kind),
            k -> new VerbCommands.Resume(k, kind),
            k -> new VerbCommands.Abort(k, kind));
    for (Function<Kinds, Object> verb : verbs) {
      CommandLine command = new CommandLine(verb.apply(kinds));
      parent.addSubcommand(command.getCommandName(), command);
    }
  }

  private static void helpEverywhere(CommandLine command) {
    CommandSpec spec = command.getCommandSpec();
    if (spec.optionsMap().get("--help") == null) {
      spec.mixinStandardHelpOptions(true);
    }
    spec.version("rollgate 0.1.0");
    command.getSubcommands().values().forEach(RollgateCli::helpEverywhere);
  }

  /** A kind's command group: a subcommand is required. */
  @Command(description = "")
  static final class KindGroup implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getErr());
      throw CliException.usage("a subcommand is required");
    }
  }
}
