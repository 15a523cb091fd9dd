package dev.rollgate.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rollgate.starter.flags.FlagsCommand;
import dev.rollgate.starter.gate.VerbCommands;
import dev.rollgate.starter.rollout.RolloutCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rollgate}: start and steer Rollgate's release workflows. */
@Command(
    name = "rollgate",
    mixinStandardHelpOptions = true,
    version = "rollgate 0.1.0",
    description = "Start and steer Rollgate release workflows on Temporal.",
    subcommands = {
      StatusCommand.class,
      ListCommand.class,
      DescribeCommand.class,
      VerbCommands.Approve.class,
      VerbCommands.Pause.class,
      VerbCommands.Resume.class,
      VerbCommands.Abort.class,
      RolloutCommand.class,
      FlagsCommand.class,
      CommandLine.HelpCommand.class
    })
public class RollgateCli implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  public static final ObjectMapper JSON =
      new ObjectMapper()
          .findAndRegisterModules()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  @picocli.CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CliException("a command is required", EXIT_USAGE);
  }

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI; returns the exit code (0 ok, 1 refused or failed, 2 usage error). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new RollgateCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (ex, arguments) -> {
          err.println("rollgate: " + ex.getMessage() + " (see --help)");
          return EXIT_USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof CliException cliEx) {
            err.println("rollgate: " + cliEx.getMessage());
            return cliEx.exitCode();
          }
          err.println("rollgate: " + WorkflowTargets.reason(ex));
          return EXIT_FAILED;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  public static PrintWriter out(CommandSpec spec) {
    return spec.commandLine().getOut();
  }

  public static void printJson(CommandSpec spec, Object value) {
    try {
      out(spec).println(JSON.writeValueAsString(value));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CliException("could not write JSON: " + e.getOriginalMessage());
    }
  }
}
