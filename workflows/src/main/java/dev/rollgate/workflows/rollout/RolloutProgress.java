package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.CheckCount;
import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.release.HoldState;
import dev.rollgate.workflows.release.ReleaseState;
import dev.rollgate.workflows.release.Undo;
import java.util.List;
import java.util.Map;

/**
 * What a rollout has done so far; carried across continue-as-new. Field names are stable (runs that
 * continued as new before a deploy carry them); new fields may be added, none removed.
 *
 * @param saga the kit's changes to undo (null in payloads written before the release kit)
 * @param hold the hold in progress when the run continued as new in its middle (null otherwise)
 * @param counters that hold's guardrail counts (null otherwise)
 */
public record RolloutProgress(
    int nextStep,
    double currentPercent,
    long startedAtMillis,
    List<StepRecord> history,
    GateStatus gate,
    int generation,
    List<Undo> saga,
    HoldState hold,
    Map<String, List<CheckCount>> counters) {

  static RolloutProgress of(
      int nextStep, double currentPercent, List<StepRecord> history, ReleaseState kit) {
    return new RolloutProgress(
        nextStep,
        currentPercent,
        kit.startedAtMillis(),
        history,
        kit.gate(),
        kit.generation(),
        kit.saga(),
        kit.hold(),
        kit.counters());
  }

  ReleaseState kit() {
    return new ReleaseState(gate, startedAtMillis, generation, saga, hold, counters);
  }
}
