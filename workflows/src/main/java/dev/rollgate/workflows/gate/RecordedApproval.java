package dev.rollgate.workflows.gate;

/** An accepted approval: which gate, who, when (workflow time) and why. */
public record RecordedApproval(String gate, String by, String comment, long atMillis) {}
