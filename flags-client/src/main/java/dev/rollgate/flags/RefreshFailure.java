package dev.rollgate.flags;

import java.time.Instant;

/**
 * The most recent failure to refresh flags.
 *
 * @param source where the refresh failed: {@code "redis"}, {@code "jdbc"} or {@code "push"}
 * @param message one-line reason, for example {@code "Connection refused"}
 * @param at when it happened
 */
public record RefreshFailure(String source, String message, Instant at) {}
