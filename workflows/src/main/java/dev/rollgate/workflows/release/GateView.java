package dev.rollgate.workflows.release;

import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.gate.PendingApproval;
import dev.rollgate.workflows.gate.RecordedApproval;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The operator-facing gate state as queries return it: times are ISO-8601 instants, durations
 * ISO-8601 durations ({@code PT51M}).
 *
 * @param holdRemaining hold time left (frozen while paused), or null when not holding
 * @param holdEndsAt when the current hold ends, or null when paused or not holding
 * @param pending the approval gate being waited on, or null
 */
public record GateView(
    String initiator,
    boolean paused,
    String pausedBy,
    String pauseReason,
    String holdRemaining,
    Instant holdEndsAt,
    Pending pending,
    List<ApprovalView> approvals,
    boolean aborted,
    String abortedBy,
    String abortReason,
    List<String> rejected) {

  /** An approval gate that is waiting, with what it received. */
  public record Pending(
      String gate, int required, boolean initiatorMayApprove, List<ApprovalView> received) {}

  /** An accepted approval. */
  public record ApprovalView(String gate, String by, String comment, Instant at) {
    static ApprovalView of(RecordedApproval a) {
      return new ApprovalView(a.gate(), a.by(), a.comment(), Instant.ofEpochMilli(a.atMillis()));
    }
  }

  public static GateView of(GateStatus g) {
    PendingApproval p = g.pending();
    return new GateView(
        g.initiator(),
        g.paused(),
        g.pausedBy(),
        g.pauseReason(),
        g.holdRemainingMillis() > 0 ? Duration.ofMillis(g.holdRemainingMillis()).toString() : null,
        g.holdEndsAtMillis() > 0 ? Instant.ofEpochMilli(g.holdEndsAtMillis()) : null,
        p == null
            ? null
            : new Pending(
                p.gate(),
                p.required(),
                p.initiatorMayApprove(),
                p.received().stream().map(ApprovalView::of).toList()),
        g.approvals().stream().map(ApprovalView::of).toList(),
        g.aborted(),
        g.abortedBy(),
        g.abortReason(),
        g.rejected());
  }

  /** Hold time left, or {@link Duration#ZERO}. */
  public Duration holdLeft() {
    return holdRemaining == null ? Duration.ZERO : Duration.parse(holdRemaining);
  }
}
