package dev.rollgate.starter.deploy;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.DeploymentWorkflow;
import java.util.List;

/** The deployment kind, as registered with the CLI. */
public final class DeployKind {
  public static final Kind KIND =
      new Kind(
          DeploymentWorkflow.KIND,
          "Canary and blue-green deployments (workflow id deploy/<service>).",
          "SERVICE",
          DeployStartCommand::new,
          new DeployPrinter(),
          DeployRequest::serviceProblem,
          List.of(DeployReportCommand::new, DeployRetryCommand::new));

  private DeployKind() {}
}
