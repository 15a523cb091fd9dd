package dev.rollgate.workflows.secrets;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.testing.Replays;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays recorded key rotations (secrets-histories/rotate-key-*.json: one raised after approval,
 * one aborted at the approval gate) against today's code, with a negative control. Kept apart from
 * histories/, which is replayed as flag rollouts. To record new ones, run KeyRotationWorkflowTest
 * and copy target/recorded-histories-secrets/*.json.
 */
class KeyRotationReplayTest {
  private static WorkflowExecutionHistory read(String name) throws Exception {
    Path p = Path.of(KeyRotationReplayTest.class.getResource("/secrets-histories/" + name).toURI());
    return WorkflowExecutionHistory.fromJson(Files.readString(p));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rotate-key-approved.json", "rotate-key-aborted.json"})
  void recordedHistoryReplaysWithoutNondeterminism(String name) throws Exception {
    Replays.replay(read(name), KeyRotationWorkflowImpl.class);
  }

  /** A rotation with one more command at its start, as a careless edit would add. */
  public static class ChangedRotation extends KeyRotationWorkflowImpl {
    @WorkflowInit
    public ChangedRotation(KeyRotationRequest request) {
      super(request);
    }

    @Override
    public KeyRotationResult run(KeyRotationRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(request);
    }
  }

  /** The negative control: the replay above can fail, and does when the commands change. */
  @ParameterizedTest
  @ValueSource(strings = {"rotate-key-approved.json", "rotate-key-aborted.json"})
  void aChangedWorkflowFailsReplay(String name) throws Exception {
    assertThatThrownBy(() -> Replays.replay(read(name), ChangedRotation.class))
        .hasStackTraceContaining("NonDeterministicException");
  }
}
