package dev.rollgate.starter.rollout;

import dev.rollgate.starter.gate.VerbCommands;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "rollout",
    description = "Gradual feature-flag rollouts (workflow id rollout/<flag>).",
    mixinStandardHelpOptions = true,
    subcommands = {
      RolloutStartCommand.class,
      RolloutStatusCommand.class,
      RolloutCommand.Approve.class,
      RolloutCommand.Pause.class,
      RolloutCommand.Resume.class,
      RolloutCommand.Abort.class,
      CommandLine.HelpCommand.class
    })
public class RolloutCommand {

  @Command(name = "approve", description = "Approve the rollout's pending gate.")
  public static class Approve extends VerbCommands.Approve {
    {
      toWorkflowId = FlagRolloutWorkflow::workflowId;
    }
  }

  @Command(name = "pause", description = "Pause the rollout; the hold countdown freezes.")
  public static class Pause extends VerbCommands.Pause {
    {
      toWorkflowId = FlagRolloutWorkflow::workflowId;
    }
  }

  @Command(name = "resume", description = "Resume a paused rollout.")
  public static class Resume extends VerbCommands.Resume {
    {
      toWorkflowId = FlagRolloutWorkflow::workflowId;
    }
  }

  @Command(
      name = "abort",
      description = "Kill switch: the flag turns off for everyone at once, skipping every gate.")
  public static class Abort extends VerbCommands.Abort {
    {
      toWorkflowId = FlagRolloutWorkflow::workflowId;
    }
  }
}
