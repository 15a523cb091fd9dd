package dev.rollgate.workflows;

/** The one place task-queue names are spelled. */
public final class TaskQueues {
  /** Workflows and the activities every worker host can run. */
  public static final String ROLLGATE = "rollgate";

  private TaskQueues() {}
}
