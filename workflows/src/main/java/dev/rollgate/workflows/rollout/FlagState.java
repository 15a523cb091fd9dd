package dev.rollgate.workflows.rollout;

/** A flag as the store holds it after a read or a change. */
public record FlagState(
    String flag, long version, double percent, boolean enabled, boolean killed) {}
