package dev.rollgate.workflows.backup;

import dev.rollgate.workflows.release.Release;
import io.temporal.workflow.Workflow;

/**
 * How backups, restores and drills honour a pause: between their steps (a running step finishes,
 * the next waits until resume), for runs started with this behaviour ({@code Workflow.getVersion}
 * {@value #CHANGE}); older runs accepted a pause and went on.
 */
final class PauseBetweenSteps {
  static final String CHANGE = "backup-kinds-pause-between-steps";

  private final Release release;
  private boolean honoured;

  PauseBetweenSteps(Release release) {
    this.release = release;
  }

  /** At the start of the run's steps (the version marker is recorded there). */
  void decide() {
    honoured = Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
  }

  /** Whether this run holds on pause (and so may refuse a pause it cannot honour). */
  boolean honoured() {
    return honoured;
  }

  /**
   * Waits here while paused (PAUSED); an abort ends the release with its compensation.
   *
   * @return whether it waited (the caller re-enters its step's phase when no step follows)
   */
  boolean hold() {
    if (honoured && release.isPaused()) {
      release.awaitRunning();
      return true;
    }
    return false;
  }

  /**
   * A kind's position while paused names the step held, for the status line and the Web UI details:
   * {@code "dumping orders; next: retention (held until resume)"}.
   */
  String position(String position, String next) {
    return honoured && release.isPaused() && next != null ? position + "; next: " + next : position;
  }
}
