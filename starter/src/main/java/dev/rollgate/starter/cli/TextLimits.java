package dev.rollgate.starter.cli;

import dev.rollgate.workflows.gate.OperatorText;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Refuses an oversized {@code --by}, {@code --reason} or {@code --comment} of any command before it
 * runs, so nothing is sent (exit 2): the limits of {@link OperatorText}, which the worker's API and
 * the workflows apply too.
 */
public final class TextLimits {
  private TextLimits() {}

  /** Throws a {@link ParameterException} for the first option over its limit. */
  public static void check(ParseResult parsed) {
    ParseResult leaf = parsed;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
    }
    for (OptionSpec option : leaf.commandSpec().options()) {
      if (!(option.getValue() instanceof String value)) {
        continue;
      }
      String problem =
          switch (option.longestName()) {
            case "--by" -> OperatorText.byProblem("--by", value);
            case "--reason", "--comment" -> OperatorText.textProblem(option.longestName(), value);
            default -> null;
          };
      if (problem != null) {
        throw new ParameterException(leaf.commandSpec().commandLine(), problem);
      }
    }
  }
}
