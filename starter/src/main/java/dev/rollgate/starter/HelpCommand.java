package dev.rollgate.starter;

import dev.rollgate.starter.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate help [COMMAND...]}: the help of any command, however deep. */
@Command(name = "help", description = "Show the help of a command, e.g. 'help rollout start'.")
final class HelpCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command path")
  List<String> path = new ArrayList<>();

  @Override
  public void run() {
    CommandLine command = spec.parent().commandLine();
    for (String name : path) {
      CommandLine next = command.getSubcommands().get(name);
      if (next == null) {
        throw CliException.usage(
            "unknown command '"
                + String.join(" ", path)
                + "' (see rollgate "
                + String.join(" ", path.subList(0, path.indexOf(name)))
                + " --help)");
      }
      command = next;
    }
    command.usage(spec.commandLine().getOut());
  }
}
