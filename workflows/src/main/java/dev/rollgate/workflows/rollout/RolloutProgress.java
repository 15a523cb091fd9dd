package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.GateStatus;
import java.util.List;

/** What a rollout has done so far; carried across continue-as-new. */
public record RolloutProgress(
    int nextStep,
    double currentPercent,
    long startedAtMillis,
    List<StepRecord> history,
    GateStatus gate,
    int generation) {}
