package dev.rollgate.workflows.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.testing.Replays;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded backup, restore and drill histories against today's code. A failure means a
 * change would break runs in flight: put it behind {@code Workflow.getVersion}. To record new ones,
 * run BackupWorkflowsTest and copy target/recorded-histories-backup/*.json.
 */
class BackupReplayTest {
  private static final Map<String, Class<?>> IMPLEMENTATIONS =
      Map.of(
          BackupWorkflow.TYPE, BackupWorkflowImpl.class,
          RestoreWorkflow.TYPE, RestoreWorkflowImpl.class,
          DrillWorkflow.TYPE, DrillWorkflowImpl.class);

  static List<Path> histories() throws Exception {
    Path dir = Path.of(BackupReplayTest.class.getResource("/backup-histories").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static WorkflowExecutionHistory read(Path p) throws Exception {
    return WorkflowExecutionHistory.fromJson(Files.readString(p));
  }

  private static String type(WorkflowExecutionHistory h) {
    return h.getEvents()
        .getFirst()
        .getWorkflowExecutionStartedEventAttributes()
        .getWorkflowType()
        .getName();
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedHistoryReplaysWithoutNondeterminism(Path history) throws Exception {
    WorkflowExecutionHistory recorded = read(history);
    Replays.replay(recorded, IMPLEMENTATIONS.get(type(recorded)));
  }

  @Test
  void everyKindHasAHistory() throws Exception {
    List<String> types = histories().stream().map(p -> type(unchecked(p))).distinct().toList();
    assertThat(types).containsExactlyInAnyOrderElementsOf(IMPLEMENTATIONS.keySet());
  }

  private static WorkflowExecutionHistory unchecked(Path p) {
    try {
      return read(p);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A backup with one more command at its start, as a careless edit would add. */
  public static class ChangedBackup extends BackupWorkflowImpl {
    @WorkflowInit
    public ChangedBackup(BackupRequest request) {
      super(request);
    }

    @Override
    public BackupResult run(BackupRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(request);
    }
  }

  /** The negative control: the replay above can fail, and does when the commands change. */
  @Test
  void aChangedWorkflowFailsReplay() throws Exception {
    Path dir = Path.of(BackupReplayTest.class.getResource("/backup-histories").toURI());
    WorkflowExecutionHistory recorded = read(dir.resolve("backup-retention.json"));

    assertThatThrownBy(() -> Replays.replay(recorded, ChangedBackup.class))
        .hasStackTraceContaining("NonDeterministicException");
  }
}
