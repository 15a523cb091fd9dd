package dev.rollgate.workflows.gate;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;

/**
 * Operator verbs every Rollgate workflow accepts. Each verb exists twice: as a signal (so the
 * Temporal Web UI and {@code temporal workflow signal} work; a refused signal is recorded in {@link
 * GateStatus#rejected()} and the audit log) and as an update with a validator (so the CLI gets its
 * answer, or the reason for a refusal, at once).
 */
public interface OperatorControls {
  String APPROVE = "approve";
  String PAUSE = "pause";
  String RESUME = "resume";
  String ABORT = "abort";

  @SignalMethod(name = APPROVE)
  void approveSignal(Approval approval);

  @SignalMethod(name = PAUSE)
  void pauseSignal(OperatorCommand command);

  @SignalMethod(name = RESUME)
  void resumeSignal(OperatorCommand command);

  @SignalMethod(name = ABORT)
  void abortSignal(OperatorCommand command);

  @UpdateMethod(name = "Approve")
  String approve(Approval approval);

  @UpdateValidatorMethod(updateName = "Approve")
  void validateApprove(Approval approval);

  @UpdateMethod(name = "Pause")
  String pause(OperatorCommand command);

  @UpdateValidatorMethod(updateName = "Pause")
  void validatePause(OperatorCommand command);

  @UpdateMethod(name = "Resume")
  String resume(OperatorCommand command);

  @UpdateValidatorMethod(updateName = "Resume")
  void validateResume(OperatorCommand command);

  @UpdateMethod(name = "Abort")
  String abort(OperatorCommand command);

  @UpdateValidatorMethod(updateName = "Abort")
  void validateAbort(OperatorCommand command);

  /** Gate state only; each workflow also has a richer status query of its own. */
  @QueryMethod(name = "gate")
  GateStatus gate();
}
