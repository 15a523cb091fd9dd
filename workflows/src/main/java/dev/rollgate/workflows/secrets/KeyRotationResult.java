package dev.rollgate.workflows.secrets;

import dev.rollgate.workflows.release.Phase;

/** How a key rotation ended: COMPLETED, ABORTED, CANCELLED or FAILED, in words. */
public record KeyRotationResult(Phase phase, String summary) {}
