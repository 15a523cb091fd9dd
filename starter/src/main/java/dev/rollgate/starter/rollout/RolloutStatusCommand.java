package dev.rollgate.starter.rollout;

import dev.rollgate.starter.ConnectionOptions;
import dev.rollgate.starter.Output;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.TemporalConnection;
import dev.rollgate.starter.WorkflowTargets;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.RolloutStatus;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "Show a rollout: percentage, next step, gates, guardrails.")
public class RolloutStatusCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FLAG")
  String flag;

  @Option(
      names = "--watch",
      description = "refresh every --interval until the rollout ends (Ctrl-C to stop watching)")
  boolean watch;

  @Option(
      names = "--interval",
      defaultValue = "2s",
      description = "refresh interval (${DEFAULT-VALUE})")
  String interval;

  @Override
  public Integer call() {
    String workflowId = FlagRolloutWorkflow.workflowId(flag);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      WorkflowTargets.describe(temporal, workflowId);
      RolloutStatus status;
      try {
        status =
            temporal.client.newUntypedWorkflowStub(workflowId).query("status", RolloutStatus.class);
      } catch (RuntimeException e) {
        throw WorkflowTargets.explain(temporal, workflowId, e);
      }
      if (connection.output == Output.json) {
        RollgateCli.printJson(spec, status);
      } else {
        RolloutPrinter.print(RollgateCli.out(spec), status, Instant.now());
      }
      return 0;
    }
  }
}
