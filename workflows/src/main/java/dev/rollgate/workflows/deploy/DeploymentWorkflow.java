package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * Deploys a new version of a service by shifting traffic through stages (canary or blue-green),
 * with analysis gates, rollback triggers, approval gates, pause/resume and abort from the release
 * kit. Whenever it rolls back, all traffic goes to stable at once and the router is read back to
 * confirm it. Workflow id {@code deploy/<service>}: one running deployment per service.
 */
@WorkflowInterface
public interface DeploymentWorkflow extends ReleaseControls {
  String KIND = "deploy";
  String TYPE = "Deployment";

  static String workflowId(String service) {
    return KIND + "/" + service;
  }

  @WorkflowMethod(name = TYPE)
  DeployResult deploy(DeployRequest request);

  @QueryMethod(name = "status")
  DeployStatus status();

  /** The plan in words: stages, gates and router changes (what {@code --dry-run} prints). */
  @QueryMethod(name = "plan")
  List<String> plan();
}
