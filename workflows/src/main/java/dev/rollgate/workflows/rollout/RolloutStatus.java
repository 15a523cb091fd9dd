package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.gate.GuardrailReading;
import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param flag the flag
 * @param phase see {@link RolloutPhase}
 * @param currentPercent the percentage the flag is at now
 * @param stepsApplied how many steps are done
 * @param totalSteps how many steps the plan has
 * @param nextPercent the next step's percentage, or null when none
 * @param nextStepAtMillis when the next step is due (epoch millis), or 0 when unknown (paused,
 *     waiting for approval)
 * @param startedAtMillis when the rollout started
 * @param history applied steps, oldest first (the most recent 200)
 * @param lastReadings the latest guardrail readings
 * @param gate approvals, pause and abort state
 * @param outcome a sentence on how it ended, or null while running
 */
public record RolloutStatus(
    String flag,
    RolloutPhase phase,
    double currentPercent,
    int stepsApplied,
    int totalSteps,
    Double nextPercent,
    long nextStepAtMillis,
    long startedAtMillis,
    List<StepRecord> history,
    List<GuardrailReading> lastReadings,
    GateStatus gate,
    String outcome) {}
