package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.GuardrailReading;
import java.util.List;

/**
 * A step that was applied: its index (0-based), the percentage, when, the flag version written, and
 * the guardrail readings taken just before it.
 */
public record StepRecord(
    int index, double percent, long atMillis, long flagVersion, List<GuardrailReading> readings) {}
