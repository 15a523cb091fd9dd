package dev.rollgate.starter.gate;

import dev.rollgate.starter.ActorOptions;
import dev.rollgate.starter.CliException;
import dev.rollgate.starter.ConnectionOptions;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.TemporalConnection;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * approve / pause / resume / abort for any Rollgate workflow id. The same classes serve {@code
 * rollgate rollout approve <flag>} through {@link #toWorkflowId}.
 */
public final class VerbCommands {
  private VerbCommands() {}

  abstract static class Verb implements Callable<Integer> {
    @Mixin protected ConnectionOptions connection;
    @Mixin protected ActorOptions actor;

    @Parameters(index = "0", paramLabel = "TARGET", description = "workflow id")
    protected String target;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    /** Maps the positional argument to a workflow id (identity for top-level verbs). */
    protected UnaryOperator<String> toWorkflowId = UnaryOperator.identity();

    protected abstract String send(TemporalConnection temporal, String workflowId, String by);

    @Override
    public Integer call() {
      String by = actor.by();
      String workflowId = toWorkflowId.apply(target);
      try (TemporalConnection temporal = TemporalConnection.open(connection)) {
        String answer = send(temporal, workflowId, by);
        RollgateCli.out(spec).println(workflowId + ": " + answer);
        return 0;
      }
    }
  }

  @Command(name = "approve", description = "Approve the pending gate of a workflow.")
  public static class Approve extends Verb {
    @Option(names = "--comment", description = "why you approve")
    String comment;

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.approve(temporal, workflowId, new Approval(by, comment));
    }
  }

  @Command(name = "pause", description = "Pause a workflow: timers freeze, remaining time is kept.")
  public static class Pause extends Verb {
    @Option(names = "--reason", description = "why")
    String reason;

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.pause(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }

  @Command(name = "resume", description = "Resume a paused workflow.")
  public static class Resume extends Verb {
    @Option(names = "--reason", description = "why")
    String reason;

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.resume(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }

  @Command(
      name = "abort",
      description = "Abort a workflow at once, also while paused (a rollout turns its flag off).")
  public static class Abort extends Verb {
    @Option(names = "--reason", required = true, description = "why (required)")
    String reason;

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      if (reason.isBlank()) {
        throw new CliException("--reason must not be empty", RollgateCli.EXIT_USAGE);
      }
      return OperatorActions.abort(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }
}
