package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.ReadingView;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.ReleaseStatus;
import java.time.Instant;
import java.util.List;

/**
 * Answer of the rollout's {@code status} query. Times are ISO-8601.
 *
 * @param flag the flag
 * @param phase see {@link Phase}
 * @param currentPercent the percentage the flag is at now
 * @param stepsApplied how many steps are done
 * @param totalSteps how many steps the plan has
 * @param nextPercent the next step's percentage, or null when none
 * @param nextStepAt when the next step is due, or null when unknown (paused, awaiting approval)
 * @param startedAt when the rollout started
 * @param history applied steps, oldest first (the most recent 200)
 * @param lastReadings the latest guardrail readings
 * @param release the kind-independent status: step, gate, details, outcome
 */
public record RolloutStatus(
    String flag,
    Phase phase,
    double currentPercent,
    int stepsApplied,
    int totalSteps,
    Double nextPercent,
    Instant nextStepAt,
    Instant startedAt,
    List<Step> history,
    List<ReadingView> lastReadings,
    ReleaseStatus release) {

  /** An applied step. */
  public record Step(
      int index, double percent, Instant at, long flagVersion, List<ReadingView> readings) {
    static Step of(StepRecord r) {
      return new Step(
          r.index(),
          r.percent(),
          Instant.ofEpochMilli(r.atMillis()),
          r.flagVersion(),
          r.readings() == null ? List.of() : r.readings().stream().map(ReadingView::of).toList());
    }
  }
}
