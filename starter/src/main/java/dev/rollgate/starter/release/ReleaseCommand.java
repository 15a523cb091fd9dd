package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Base of the generic verbs. At the top level the argument is a workflow id ({@code rollgate pause
 * rollout/new_checkout}); under a kind's command it is the kind's target ({@code rollgate rollout
 * pause new_checkout}). The same class serves both: no per-kind code.
 */
public abstract class ReleaseCommand implements Callable<Integer> {
  @Mixin protected ConnectionOptions connection;
  @Spec protected CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "TARGET",
      description =
          "the workflow id, e.g. rollout/new_checkout; under 'rollgate KIND ...' the target"
              + " alone, e.g. new_checkout")
  protected String target;

  protected final Kinds kinds;
  protected final Kind kind;

  /**
   * @param kind the kind this command is bound to, or null for the top-level verb
   */
  protected ReleaseCommand(Kinds kinds, Kind kind) {
    this.kinds = kinds;
    this.kind = kind;
  }

  protected String workflowId() {
    if (kind != null) {
      String problem = kind.targetProblem().apply(target);
      if (problem != null) {
        throw CliException.usage(problem);
      }
      return kind.workflowId(target);
    }
    if (target == null || !target.contains("/") || target.endsWith("/")) {
      throw CliException.usage(
          "'"
              + target
              + "' is not a workflow id (KIND/TARGET, e.g. rollout/new_checkout; kinds: "
              + kinds.names()
              + ")");
    }
    return target;
  }

  protected Console console() {
    return Console.of(spec, connection);
  }
}
