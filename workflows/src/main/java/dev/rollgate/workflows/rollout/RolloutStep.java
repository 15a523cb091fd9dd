package dev.rollgate.workflows.rollout;

import java.time.Duration;

/**
 * One step of a rollout plan: wait {@code holdBefore} (paused time does not count), then set the
 * flag to {@code percent}.
 */
public record RolloutStep(double percent, Duration holdBefore) {}
