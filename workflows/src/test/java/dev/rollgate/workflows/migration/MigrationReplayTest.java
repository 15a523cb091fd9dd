package dev.rollgate.workflows.migration;

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
 * Replays recorded migration histories (migration-histories/migration-*.json: one that contracts
 * after a paused backup check, one rolled back by a failed verify) against today's code, with a
 * negative control. To record new ones, run MigrationWorkflowTest and copy
 * target/recorded-histories-migration/*.json.
 */
class MigrationReplayTest {
  private static WorkflowExecutionHistory read(String name) throws Exception {
    Path p = Path.of(MigrationReplayTest.class.getResource("/migration-histories/" + name).toURI());
    return WorkflowExecutionHistory.fromJson(Files.readString(p));
  }

  @ParameterizedTest
  @ValueSource(strings = {"migration-contract.json", "migration-verify-failed.json"})
  void recordedHistoryReplaysWithoutNondeterminism(String name) throws Exception {
    Replays.replay(read(name), MigrationWorkflowImpl.class);
  }

  /** A migration with one more command at its start, as a careless edit would add. */
  public static class ChangedMigration extends MigrationWorkflowImpl {
    @WorkflowInit
    public ChangedMigration(MigrationRequest request) {
      super(request);
    }

    @Override
    public MigrationResult run(MigrationRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(request);
    }
  }

  /** The negative control: the replay above can fail, and does when the commands change. */
  @ParameterizedTest
  @ValueSource(strings = {"migration-contract.json", "migration-verify-failed.json"})
  void aChangedWorkflowFailsReplay(String name) throws Exception {
    assertThatThrownBy(() -> Replays.replay(read(name), ChangedMigration.class))
        .hasStackTraceContaining("NonDeterministicException");
  }
}
