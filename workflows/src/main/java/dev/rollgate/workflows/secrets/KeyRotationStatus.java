package dev.rollgate.workflows.secrets;

import dev.rollgate.workflows.release.ReleaseStatus;

/**
 * Answer of the {@code rotation} query: the kit's status plus what only a key rotation knows.
 *
 * @param release the kit's status (phase, step, gate, details, outcome)
 * @param key the transit key
 * @param stage {@code inspect}, {@code rotate}, {@code rewrap}, {@code approval}, {@code raise},
 *     {@code done}
 * @param before the key as inspected before the rotation, or null before that
 * @param toVersion the version the rotation created, 0 before it
 * @param rewrap the current rewrap pass's progress, or null before its first slice
 * @param pass the rewrap pass (1 for the first)
 * @param rewrapped data keys rewrapped so far, over every pass
 * @param batchSize data keys per batch
 */
public record KeyRotationStatus(
    ReleaseStatus release,
    String key,
    String stage,
    TransitKeyState before,
    int toVersion,
    RewrapProgress rewrap,
    int pass,
    long rewrapped,
    int batchSize) {}
