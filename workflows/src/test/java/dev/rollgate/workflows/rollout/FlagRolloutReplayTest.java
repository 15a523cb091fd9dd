package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.testing.Replays;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded histories of real runs against today's workflow code: those recorded before the
 * release kit (plain names, including a run that continued as new) and since ({@code kit-*}). A
 * failure means the change would break rollouts that are running now: put it behind {@code
 * Workflow.getVersion}. To record new histories run FlagRolloutWorkflowTest and copy
 * target/recorded-histories/*.json.
 */
class FlagRolloutReplayTest {

  static List<Path> histories() throws IOException, URISyntaxException {
    Path dir = Path.of(FlagRolloutReplayTest.class.getResource("/histories").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".json.gz"))
          .sorted()
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedHistoryReplaysWithoutNondeterminism(Path history) throws Exception {
    WorkflowExecutionHistory recorded = WorkflowExecutionHistory.fromJson(read(history));
    assertThat(recorded.getEvents()).isNotEmpty();

    Replays.replay(recorded, implementationOf(history));
  }

  /**
   * The implementation a history was recorded with: the mid-hold ones with a small history budget
   * (where a run continues as new depends on the budget, so it is part of what replays).
   */
  static Class<? extends FlagRolloutWorkflowImpl> implementationOf(Path history) {
    return history.getFileName().toString().startsWith("kit-mid-hold-")
        ? RolloutHistoryBudgetTest.SmallBudgetRollout.class
        : FlagRolloutWorkflowImpl.class;
  }

  /** The rollout with one more command at its start, as a careless edit would add. */
  public static class ChangedRollout extends FlagRolloutWorkflowImpl {
    @WorkflowInit
    public ChangedRollout(StartRolloutRequest request) {
      super(request);
    }

    @Override
    public RolloutResult run(StartRolloutRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(request);
    }
  }

  /**
   * One history of each era: recorded before the release kit, since, a continued run, and a run
   * that resumed a hold in its middle.
   */
  static List<Path> controls() throws IOException, URISyntaxException {
    return histories().stream()
        .filter(
            p ->
                List.of(
                        "approvals.json",
                        "kit-approvals.json",
                        "continue-as-new-last-run.json.gz",
                        "kit-mid-hold-run-2.json.gz")
                    .contains(p.getFileName().toString()))
        .toList();
  }

  /** The negative control: the replay above can fail, and does when the commands change. */
  @ParameterizedTest
  @MethodSource("controls")
  void aChangedWorkflowFailsReplay(Path history) throws Exception {
    WorkflowExecutionHistory recorded = WorkflowExecutionHistory.fromJson(read(history));

    assertThatThrownBy(() -> Replays.replay(recorded, ChangedRollout.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  @Test
  void historiesFromBeforeAndSinceTheReleaseKitAreKept() throws Exception {
    List<String> names = histories().stream().map(p -> p.getFileName().toString()).toList();
    assertThat(names).contains("continue-as-new-first-run.json.gz", "pause-approval-abort.json");
    assertThat(names).anyMatch(n -> n.startsWith("kit-"));
    assertThat(names).contains("kit-mid-hold-run-1.json.gz", "kit-mid-hold-run-2.json.gz");
    assertThat(controls()).hasSize(4);
  }

  /** Reads a history; long ones (a run that continued as new) are kept gzipped. */
  static String read(Path history) throws IOException {
    if (!history.toString().endsWith(".gz")) {
      return Files.readString(history);
    }
    try (InputStream in = new GZIPInputStream(Files.newInputStream(history))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
