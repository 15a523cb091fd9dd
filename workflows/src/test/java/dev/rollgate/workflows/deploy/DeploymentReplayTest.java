package dev.rollgate.workflows.deploy;

import static dev.rollgate.workflows.testing.Replays.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded deployments (a promotion, a rollback) against today's workflow code. A failure
 * means the change would break deployments that are running now: put it behind {@code
 * Workflow.getVersion}. To record new histories run DeploymentWorkflowTest and copy
 * target/recorded-histories/deploy-*.json to src/test/resources/deploy-histories (kept apart from
 * the rollout's histories, which FlagRolloutReplayTest replays).
 */
class DeploymentReplayTest {

  static List<Path> histories() throws IOException, URISyntaxException {
    Path dir = Path.of(DeploymentReplayTest.class.getResource("/deploy-histories").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedDeploymentReplaysWithoutNondeterminism(Path history) throws Exception {
    WorkflowExecutionHistory recorded =
        WorkflowExecutionHistory.fromJson(Files.readString(history));
    assertThat(recorded.getEvents()).isNotEmpty();

    replay(
        recorded,
        history.getFileName().toString().startsWith("deploy-mid-hold-")
            ? DeployHistoryBudgetTest.SmallBudgetDeployment.class
            : DeploymentWorkflowImpl.class);
  }

  /** The deployment with one more command at its start, as a careless edit would add. */
  public static class ChangedDeployment extends DeploymentWorkflowImpl {
    @WorkflowInit
    public ChangedDeployment(DeployRequest request) {
      super(request);
    }

    @Override
    public DeployResult deploy(DeployRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.deploy(request);
    }
  }

  /** The negative control: the replay above can fail, and does when the commands change. */
  @ParameterizedTest
  @MethodSource("histories")
  void aChangedDeploymentFailsReplay(Path history) throws Exception {
    WorkflowExecutionHistory recorded =
        WorkflowExecutionHistory.fromJson(Files.readString(history));

    assertThatThrownBy(() -> replay(recorded, ChangedDeployment.class))
        .hasStackTraceContaining("NonDeterministicException");
  }
}
