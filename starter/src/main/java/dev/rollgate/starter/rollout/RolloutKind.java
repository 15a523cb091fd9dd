package dev.rollgate.starter.rollout;

import dev.rollgate.flags.FlagNames;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;

/** The flag rollout kind, as registered with the CLI. */
public final class RolloutKind {
  public static final Kind KIND =
      new Kind(
          FlagRolloutWorkflow.KIND,
          "Gradual feature-flag rollouts (workflow id rollout/<flag>).",
          "FLAG",
          RolloutStartCommand::new,
          new RolloutPrinter(),
          FlagNames::problem);

  private RolloutKind() {}
}
