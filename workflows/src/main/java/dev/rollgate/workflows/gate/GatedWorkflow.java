package dev.rollgate.workflows.gate;

/**
 * Base class of every Rollgate workflow implementation: wires the {@link OperatorControls} signals,
 * updates and validators to an {@link OperatorGate}, and lets the workflow react to each accepted
 * action (for example: refresh search attributes).
 */
public abstract class GatedWorkflow implements OperatorControls {
  protected final OperatorGate gate;

  protected GatedWorkflow(OperatorGate gate) {
    this.gate = gate;
  }

  /** Called after every accepted operator action. */
  protected abstract void onOperatorAction();

  @Override
  public void approveSignal(Approval approval) {
    String refusal = gate.checkApprove(approval);
    if (refusal != null) {
      gate.reject(APPROVE, approval == null ? null : approval.by(), refusal);
      return;
    }
    approve(approval);
  }

  @Override
  public void pauseSignal(OperatorCommand command) {
    if (acceptSignal(PAUSE, command, gate.checkPause(command))) {
      pause(command);
    }
  }

  @Override
  public void resumeSignal(OperatorCommand command) {
    if (acceptSignal(RESUME, command, gate.checkResume(command))) {
      resume(command);
    }
  }

  @Override
  public void abortSignal(OperatorCommand command) {
    if (acceptSignal(ABORT, command, gate.checkAbort(command))) {
      abort(command);
    }
  }

  private boolean acceptSignal(String verb, OperatorCommand command, String refusal) {
    if (refusal == null) {
      return true;
    }
    gate.reject(verb, command == null ? null : command.by(), refusal);
    return false;
  }

  @Override
  public String approve(Approval approval) {
    String result = gate.applyApprove(approval);
    onOperatorAction();
    return result;
  }

  @Override
  public void validateApprove(Approval approval) {
    refuseIf(gate.checkApprove(approval));
  }

  @Override
  public String pause(OperatorCommand command) {
    String result = gate.applyPause(command);
    onOperatorAction();
    return result;
  }

  @Override
  public void validatePause(OperatorCommand command) {
    refuseIf(gate.checkPause(command));
  }

  @Override
  public String resume(OperatorCommand command) {
    String result = gate.applyResume(command);
    onOperatorAction();
    return result;
  }

  @Override
  public void validateResume(OperatorCommand command) {
    refuseIf(gate.checkResume(command));
  }

  @Override
  public String abort(OperatorCommand command) {
    String result = gate.applyAbort(command);
    onOperatorAction();
    return result;
  }

  @Override
  public void validateAbort(OperatorCommand command) {
    refuseIf(gate.checkAbort(command));
  }

  @Override
  public GateStatus gate() {
    return gate.status();
  }

  /** An update validator rejects by throwing; the message reaches the caller as is. */
  private static void refuseIf(String refusal) {
    if (refusal != null) {
      throw new IllegalArgumentException(refusal);
    }
  }
}
