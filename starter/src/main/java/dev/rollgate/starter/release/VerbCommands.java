package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** approve / pause / resume / abort for a release of any kind, sent as updates. */
public final class VerbCommands {
  private VerbCommands() {}

  abstract static class Verb extends ReleaseCommand {
    @Mixin protected ActorOptions actor;

    Verb(Kinds kinds, Kind kind) {
      super(kinds, kind);
    }

    protected abstract String send(TemporalConnection temporal, String workflowId, String by);

    @Override
    public Integer call() {
      String workflowId = workflowId();
      String by = actor.by();
      try (TemporalConnection temporal = TemporalConnection.open(connection)) {
        String answer = send(temporal, workflowId, by);
        if (console().json()) {
          console().printJson(Map.of("workflowId", workflowId, "result", answer));
        } else {
          console().out().println(workflowId + ": " + answer);
        }
        return 0;
      }
    }
  }

  @Command(
      name = "approve",
      description = "Approve the pending gate (refused: the initiator, the same person twice).")
  public static class Approve extends Verb {
    @Option(names = "--comment", description = "why you approve")
    String comment;

    public Approve(Kinds kinds, Kind kind) {
      super(kinds, kind);
    }

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.approve(temporal, workflowId, new Approval(by, comment));
    }
  }

  @Command(name = "pause", description = "Pause: timers freeze, the hold time left is kept.")
  public static class Pause extends Verb {
    @Option(names = "--reason", description = "why")
    String reason;

    public Pause(Kinds kinds, Kind kind) {
      super(kinds, kind);
    }

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.pause(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }

  @Command(name = "resume", description = "Resume a paused release.")
  public static class Resume extends Verb {
    @Option(names = "--reason", description = "why")
    String reason;

    public Resume(Kinds kinds, Kind kind) {
      super(kinds, kind);
    }

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      return OperatorActions.resume(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }

  @Command(
      name = "abort",
      description =
          "Abort at once, also while paused or awaiting approval; the kind undoes its changes"
              + " (a rollout: the kill switch).")
  public static class Abort extends Verb {
    @Option(names = "--reason", required = true, description = "why (required)")
    String reason;

    public Abort(Kinds kinds, Kind kind) {
      super(kinds, kind);
    }

    @Override
    protected String send(TemporalConnection temporal, String workflowId, String by) {
      if (reason.isBlank()) {
        throw CliException.usage("--reason must not be empty");
      }
      return OperatorActions.abort(temporal, workflowId, new OperatorCommand(by, reason));
    }
  }
}
