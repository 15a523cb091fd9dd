package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.release.GateView;
import dev.rollgate.workflows.release.ReleaseStatus;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;

/** Prints the kind-independent part of a release: phase, step, next step, gate, outcome. */
public final class ReleasePrinter {
  /** The view of any release through the kit's {@code release} query. */
  public static final Kind.StatusView VIEW =
      new Kind.StatusView() {
        @Override
        public Object query(WorkflowStub stub) {
          return stub.query("release", ReleaseStatus.class);
        }

        @Override
        public void print(PrintWriter out, Object status, Instant now) {
          ReleaseStatus s = (ReleaseStatus) status;
          out.printf("Release    %s %s%n", s.kind(), s.target());
          out.printf("Phase      %s%n", s.phase());
          out.printf("Position   %s%n", s.position());
          printNext(out, s.next(), s.nextAt(), s.gate(), s.outcome(), now);
          if (s.outcome() != null) {
            out.printf("Outcome    %s%n", s.outcome());
          }
          printGate(out, s.gate());
        }

        @Override
        public boolean ended(Object status) {
          return ((ReleaseStatus) status).phase().isTerminal();
        }
      };

  private ReleasePrinter() {}

  /** {@code Next 5 % at 2026-11-23T10:00:00Z (in 23h 59m)}, or why it waits. */
  public static void printNext(
      PrintWriter out, String next, Instant nextAt, GateView g, String outcome, Instant now) {
    if (next == null || outcome != null) {
      return;
    }
    String when;
    if (g.paused() && g.holdRemaining() == null) {
      when = "after resume";
    } else if (g.paused()) {
      when = "frozen while paused, " + Console.duration(g.holdLeft()) + " of hold left";
    } else if (nextAt != null) {
      when = "at " + Console.when(nextAt, now);
    } else {
      when = g.pending() != null ? "after approval" : "now";
    }
    out.printf("Next       %s %s%n", next, when);
  }

  public static void printGate(PrintWriter out, GateView g) {
    out.printf("Initiator  %s%n", g.initiator());
    if (g.paused()) {
      out.printf(
          "Paused     by %s%s%n",
          g.pausedBy(), g.pauseReason() == null ? "" : ": " + g.pauseReason());
    }
    if (g.aborted()) {
      out.printf("Aborted    by %s: %s%n", g.abortedBy(), g.abortReason());
    }
    if (g.pending() != null) {
      out.printf(
          "Waiting    %s: %d of %d approval(s)%s%n",
          g.pending().gate(),
          g.pending().received().size(),
          g.pending().required(),
          g.pending().initiatorMayApprove() ? "" : " (initiator may not approve)");
    }
    for (GateView.ApprovalView a : g.approvals()) {
      out.printf(
          "Approved   %s by %s at %s%s%n",
          a.gate(), a.by(), a.at(), a.comment() == null ? "" : ": " + a.comment());
    }
    for (String r : g.rejected()) {
      out.printf("Refused    %s%n", r);
    }
  }
}
