package dev.rollgate.workflows.release;

/**
 * A hold in progress when the release continued as new in the middle of it: the next run resumes
 * the hold of the same step with what was left, on the same check grid. Field names are stable.
 *
 * @param step the hold's step name, e.g. {@code hold at 10 %}
 * @param remainingMillis unpaused hold time left (frozen while paused)
 * @param elapsedMillis unpaused hold time spent so far: where the hold is on its check grid
 * @param checks how many checks the hold ran so far
 */
public record HoldState(String step, long remainingMillis, long elapsedMillis, int checks) {}
