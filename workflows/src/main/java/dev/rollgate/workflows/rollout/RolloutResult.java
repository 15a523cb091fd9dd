package dev.rollgate.workflows.rollout;

/** How a rollout ended: its terminal phase, the final percentage and a sentence for people. */
public record RolloutResult(RolloutPhase phase, double finalPercent, String summary) {}
