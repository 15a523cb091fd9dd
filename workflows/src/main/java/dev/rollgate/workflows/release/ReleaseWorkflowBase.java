package dev.rollgate.workflows.release;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import io.temporal.common.converter.RawValue;

/**
 * Base class of every release kind's workflow implementation: owns the {@link Release} and answers
 * the operator updates and queries of {@link ReleaseControls} through it. A kind extends it,
 * implements {@link ReleaseKind}, and writes only its own steps.
 */
public abstract class ReleaseWorkflowBase implements ReleaseControls, ReleaseKind {
  protected final Release release;

  protected ReleaseWorkflowBase(Release release) {
    this.release = release;
    release.bind(this);
  }

  @Override
  public String approve(Approval approval) {
    return release.approve(approval);
  }

  @Override
  public String pause(OperatorCommand command) {
    return release.operate(PAUSE, command);
  }

  @Override
  public String resume(OperatorCommand command) {
    return release.operate(RESUME, command);
  }

  @Override
  public String abort(OperatorCommand command) {
    return release.operate(ABORT, command);
  }

  @Override
  public void approveSignal(RawValue approval) {
    release.signal(APPROVE, approval);
  }

  @Override
  public void pauseSignal(RawValue command) {
    release.signal(PAUSE, command);
  }

  @Override
  public void resumeSignal(RawValue command) {
    release.signal(RESUME, command);
  }

  @Override
  public void abortSignal(RawValue command) {
    release.signal(ABORT, command);
  }

  @Override
  public GateView gate() {
    return release.gateView();
  }

  @Override
  public ReleaseStatus release() {
    return release.status();
  }
}
