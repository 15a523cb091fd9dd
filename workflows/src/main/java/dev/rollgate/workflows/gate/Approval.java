package dev.rollgate.workflows.gate;

/**
 * An operator's approval of the pending gate.
 *
 * @param by who approves (required)
 * @param comment why, shown in status and the audit log (optional)
 */
public record Approval(String by, String comment) {}
