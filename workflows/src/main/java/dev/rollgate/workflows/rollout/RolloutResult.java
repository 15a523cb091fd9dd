package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.release.Phase;

/** How a rollout ended: its terminal phase, the final percentage and a sentence for people. */
public record RolloutResult(Phase phase, double finalPercent, String summary) {}
