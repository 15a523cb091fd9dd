package dev.rollgate.starter.deploy;

import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.starter.release.Views;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.DeployStatus;
import dev.rollgate.workflows.deploy.DeploymentWorkflow;
import dev.rollgate.workflows.release.Phase;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rollgate deploy retry SERVICE}: a new run of the last deployment's version from the stage
 * that failed, after restoring the split before it.
 */
@Command(
    name = "retry",
    description = {
      "Start the last deployment again from the stage that failed (after a configuration fix or",
      "a flaky metric); it must have ended FAILED, ABORTED or ROLLED_BACK. A new version is a",
      "new deployment: use deploy start."
    })
public class DeployRetryCommand implements Callable<Integer> {
  static final Set<Phase> RETRYABLE = Set.of(Phase.FAILED, Phase.ABORTED, Phase.ROLLED_BACK);

  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  // its own --help: the standard help mixin would also add --version, which is this command's
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "the service")
  String service;

  @Option(names = "--version", description = "the version to retry (must be the last one)")
  String version;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Option(names = "--no-wait", description = "return as soon as the workflow is started")
  boolean noWait;

  @Override
  public Integer call() {
    String problem = DeployRequest.serviceProblem(service);
    if (problem != null) {
      throw CliException.usage(problem);
    }
    String by = actor.by();
    String workflowId = DeploymentWorkflow.workflowId(service);
    DeployStatus last;
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      var info = WorkflowTargets.describe(temporal, workflowId).getWorkflowExecutionInfo();
      if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        throw new CliException(
            "refused: a deployment of '"
                + service
                + "' is running (rollgate deploy status "
                + service
                + ")");
      }
      last = (DeployStatus) Views.query(temporal, new DeployPrinter(), workflowId);
    }
    if (version != null && !version.equals(last.version())) {
      throw new CliException(
          "refused: the last deployment of '"
              + service
              + "' was "
              + last.version()
              + "; a new version is a new deployment: use deploy start");
    }
    if (!RETRYABLE.contains(last.phase()) || last.retryFrom() == null) {
      throw new CliException(
          "refused: the last deployment of '"
              + service
              + "' ended "
              + last.phase()
              + "; only FAILED, ABORTED or ROLLED_BACK deployments are retried");
    }
    DeployRequest retry =
        last.request()
            .retrying(last.retryFrom(), by, reason == null ? "retry of " + last.version() : reason);
    DeployLauncher.launch(connection, Console.of(spec, connection), retry, noWait);
    return 0;
  }
}
