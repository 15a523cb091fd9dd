package dev.rollgate.workflows.gate;

/**
 * A pause, resume or abort request.
 *
 * @param by who asks (required)
 * @param reason why; required for abort, optional otherwise
 */
public record OperatorCommand(String by, String reason) {}
