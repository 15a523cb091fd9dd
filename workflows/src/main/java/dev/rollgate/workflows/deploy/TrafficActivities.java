package dev.rollgate.workflows.deploy;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The traffic router (HAProxy runtime API, AWS ALB weighted target groups), one interface for both.
 * Every method is idempotent; none writes the audit log (the workflow records each change once,
 * after it is confirmed).
 */
@ActivityInterface
public interface TrafficActivities {
  /**
   * Checks that the router answers and that the backend and both servers (or the listener/rule and
   * both target groups, attached to it) exist, and (HAProxy) that both servers take traffic: one in
   * MAINT, DRAIN or DOWN is refused as {@code INVALID_INPUT}, naming the server and its state.
   * Non-retryable {@code NOT_FOUND} / {@code INVALID_INPUT} when they do not; non-retryable {@code
   * UNAVAILABLE} when the router cannot be asked (at start, an unreachable router is bad input).
   */
  @ActivityMethod(name = "ValidateRouter")
  void validate(Router router);

  /** Reads the shares the router applies now. */
  @ActivityMethod(name = "ReadTraffic")
  TrafficSplit read(Router router);

  /**
   * Sets the shares, then reads them back. Returns what was read back; fails (retryably) when the
   * read-back differs from what was set, so a change that did not happen is never reported done.
   */
  @ActivityMethod(name = "ShiftTraffic")
  TrafficSplit shift(Router router, TrafficSplit split);

  /**
   * The state of both sides' servers as the router reports them (HAProxy: MAINT, DRAIN, DOWN by a
   * health check, else UP; an ALB's target groups are always UP here).
   */
  @ActivityMethod(name = "ServerStates")
  List<ServerState> servers(Router router);
}
