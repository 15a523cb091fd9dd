package dev.rollgate.workflows.testing;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;

/** Replays a recorded history, as every kind's replay test does. */
public final class Replays {
  private Replays() {}

  /**
   * Replays on a worker whose deadlock detection allows a cold first workflow task: class loading
   * on a busy 2-core machine took over the default 1 s, which failed the replay with a {@code
   * PotentialDeadlockException} instead of replaying it.
   */
  public static void replay(WorkflowExecutionHistory history, Class<?> workflow) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker =
          env.newWorker(
              "replay",
              WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(10_000).build());
      worker.registerWorkflowImplementationTypes(workflow);
      WorkflowReplayer.replayWorkflowExecution(history, worker);
    }
  }
}
