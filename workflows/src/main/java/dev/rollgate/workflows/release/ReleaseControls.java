package dev.rollgate.workflows.release;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.OperatorCommand;
import io.temporal.common.converter.RawValue;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;

/**
 * Operator verbs and queries every Rollgate release accepts, whatever its kind.
 *
 * <p>Each verb exists twice. As an update (what the CLI sends): the answer, or the reason for a
 * refusal as an {@code ApplicationFailure} of type {@code REFUSED}, comes back at once. As a signal
 * named {@link #APPROVE}, {@link #PAUSE}, {@link #RESUME} or {@link #ABORT} (what the Web UI and
 * {@code temporal workflow signal} send), handled by the kit so that a malformed payload or an
 * unknown signal name is refused with a reason instead of being dropped. Every action, accepted or
 * refused, is written to the audit log; refusals are also kept in {@link GateView#rejected()}.
 *
 * <p>The signals are declared (with descriptions) so that the Web UI's "Send a Signal" offers them
 * by name; their payload is taken raw and checked by the kit, so that a malformed one is refused
 * with a reason rather than dropped by the SDK.
 */
public interface ReleaseControls {
  String APPROVE = "approve";
  String PAUSE = "pause";
  String RESUME = "resume";
  String ABORT = "abort";

  @UpdateMethod(name = "Approve")
  String approve(Approval approval);

  @UpdateMethod(name = "Pause")
  String pause(OperatorCommand command);

  @UpdateMethod(name = "Resume")
  String resume(OperatorCommand command);

  @UpdateMethod(name = "Abort")
  String abort(OperatorCommand command);

  @SignalMethod(
      name = APPROVE,
      description =
          "Approve the pending gate, as the CLI's approve does. Input: {\"by\": \"you\","
              + " \"comment\": \"why\"}. The initiator may not approve; refusals are audited.")
  void approveSignal(RawValue approval);

  @SignalMethod(
      name = PAUSE,
      description =
          "Pause: hold time freezes, nothing new starts until resume. Input: {\"by\": \"you\","
              + " \"reason\": \"why\"}.")
  void pauseSignal(RawValue command);

  @SignalMethod(
      name = RESUME,
      description = "Resume a paused release. Input: {\"by\": \"you\", \"reason\": \"why\"}.")
  void resumeSignal(RawValue command);

  @SignalMethod(
      name = ABORT,
      description =
          "Abort and undo every change (the kill switch for a rollout). Input: {\"by\": \"you\","
              + " \"reason\": \"why\"}; the reason is required.")
  void abortSignal(RawValue command);

  /** Gate state only. */
  @QueryMethod(name = "gate")
  GateView gate();

  /** The kind-independent status: phase, step, progress, next step, gate, outcome. */
  @QueryMethod(name = "release")
  ReleaseStatus release();
}
