package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.release.ReleaseState;
import dev.rollgate.workflows.release.Undo;
import java.util.List;

/**
 * What a rollout has done so far; carried across continue-as-new. Field names are stable (runs that
 * continued as new before a deploy carry them); new fields may be added, none removed.
 *
 * @param saga the kit's changes to undo (null in payloads written before the release kit)
 */
public record RolloutProgress(
    int nextStep,
    double currentPercent,
    long startedAtMillis,
    List<StepRecord> history,
    GateStatus gate,
    int generation,
    List<Undo> saga) {

  static RolloutProgress of(
      int nextStep, double currentPercent, List<StepRecord> history, ReleaseState kit) {
    return new RolloutProgress(
        nextStep,
        currentPercent,
        kit.startedAtMillis(),
        history,
        kit.gate(),
        kit.generation(),
        kit.saga());
  }

  ReleaseState kit() {
    return new ReleaseState(gate, startedAtMillis, generation, saga);
  }
}
