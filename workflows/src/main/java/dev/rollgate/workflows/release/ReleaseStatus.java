package dev.rollgate.workflows.release;

import java.time.Instant;

/**
 * Answer of the {@code release} query every kind has: what the generic CLI verbs and the Web UI
 * details show. Times are ISO-8601.
 *
 * @param kind e.g. {@code rollout}
 * @param target what it acts on (a flag, a service)
 * @param phase one of {@link Phase}; PAUSED while paused
 * @param step the kind's name for what it is doing, e.g. {@code hold before 25 %}
 * @param progress 0..100
 * @param position where it is, e.g. {@code 5 % (step 2 of 5)}
 * @param next what the next step does, or null
 * @param nextAt when the next step is due, or null (paused, awaiting approval, not holding)
 * @param startedAt when the release started
 * @param details the Web UI details text, in words
 * @param gate approvals, pause, abort, refusals
 * @param outcome how it ended, or null while running
 */
public record ReleaseStatus(
    String kind,
    String target,
    Phase phase,
    String step,
    double progress,
    String position,
    String next,
    Instant nextAt,
    Instant startedAt,
    String details,
    GateView gate,
    String outcome) {}
