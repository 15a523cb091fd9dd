package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Ramps a feature flag through a plan, with guardrails, approval gates, pause/resume and a kill
 * switch (abort). Workflow id: {@code rollout/<flag>}, so a flag has at most one running rollout.
 */
@WorkflowInterface
public interface FlagRolloutWorkflow extends ReleaseControls {
  String KIND = "rollout";
  String TYPE = "FlagRollout";

  static String workflowId(String flag) {
    return KIND + "/" + flag;
  }

  @WorkflowMethod(name = TYPE)
  RolloutResult run(StartRolloutRequest request);

  @QueryMethod(name = "status")
  RolloutStatus status();
}
