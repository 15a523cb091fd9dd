package dev.rollgate.workflows.testing.dial;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A test-only release kind written on the kit: turns a dial through values, with holds, approval
 * gates and guardrails; its undo turns the dial back to 0. It proves that a kind needs only its
 * steps: everything else comes from the release kit. Workflow id {@code dial/<name>}.
 */
@WorkflowInterface
public interface DialWorkflow extends ReleaseControls {
  String KIND = "dial";

  @WorkflowMethod(name = "Dial")
  String turn(DialRequest request);
}
