package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded histories of real runs against today's workflow code. A failure means the change
 * would break rollouts that are running now: put it behind {@code Workflow.getVersion}. To record
 * new histories run FlagRolloutWorkflowTest and copy target/recorded-histories/*.json.
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

    WorkflowReplayer.replayWorkflowExecution(recorded, FlagRolloutWorkflowImpl.class);
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
