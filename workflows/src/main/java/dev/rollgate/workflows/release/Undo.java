package dev.rollgate.workflows.release;

/**
 * One change a release made and must undo on abort, rollback, failure or cancellation. Kept as data
 * (not a lambda) so it survives continue-as-new; the kind interprets it in {@link
 * ReleaseKind#undo}.
 *
 * @param action what kind of change, e.g. {@code flag}, {@code traffic}
 * @param subject what was changed, e.g. the flag name or a router backend
 * @param restore what to restore, in the kind's own words (may be null)
 */
public record Undo(String action, String subject, String restore) {}
