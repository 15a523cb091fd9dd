package dev.rollgate.workflows.deploy;

import java.util.List;

/**
 * What health or smoke checks found.
 *
 * @param passed every check passed
 * @param lines one line per check, e.g. {@code GET /health -> 200 (expected 200) ok}
 */
public record CheckReport(boolean passed, List<String> lines) {}
