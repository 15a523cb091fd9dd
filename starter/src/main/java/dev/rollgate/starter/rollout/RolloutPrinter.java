package dev.rollgate.starter.rollout;

import dev.rollgate.starter.Durations;
import dev.rollgate.workflows.gate.GateStatus;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.RecordedApproval;
import dev.rollgate.workflows.rollout.RolloutStatus;
import dev.rollgate.workflows.rollout.StepRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Human-readable rollout status: progress bar, next step countdown, gates, guardrails. */
public final class RolloutPrinter {
  private RolloutPrinter() {}

  public static void print(PrintWriter out, RolloutStatus s, Instant now) {
    out.printf("Flag       %s%n", s.flag());
    out.printf("Phase      %s%n", s.phase());
    out.printf(
        "Progress   %s %s %%  (step %d of %d)%n",
        bar(s.currentPercent()), pct(s.currentPercent()), s.stepsApplied(), s.totalSteps());
    if (s.nextPercent() != null && s.outcome() == null) {
      String when;
      if (s.gate().paused() && s.gate().holdRemainingMillis() == 0) {
        when = "after resume";
      } else if (s.gate().paused()) {
        when =
            "frozen while paused, "
                + Durations.format(Duration.ofMillis(s.gate().holdRemainingMillis()))
                + " of hold left";
      } else if (s.nextStepAtMillis() > 0) {
        Instant at = Instant.ofEpochMilli(s.nextStepAtMillis());
        when = "at " + at + " (in " + Durations.format(Duration.between(now, at)) + ")";
      } else {
        when = s.gate().pending() != null ? "after approval" : "now";
      }
      out.printf("Next       %s %% %s%n", pct(s.nextPercent()), when);
    }
    if (s.outcome() != null) {
      out.printf("Outcome    %s%n", s.outcome());
    }
    printGate(out, s.gate(), now);
    if (!s.lastReadings().isEmpty()) {
      out.println("Guardrails");
      for (GuardrailReading r : s.lastReadings()) {
        out.printf("  %-16s %-12s %s%n", r.guardrail(), r.verdict(), r.detail());
      }
    }
    List<StepRecord> history = s.history();
    if (!history.isEmpty()) {
      out.println("Recent steps");
      for (StepRecord step : history.subList(Math.max(0, history.size() - 5), history.size())) {
        out.printf(
            "  #%-4d %7s %%  %s  v%d%n",
            step.index() + 1,
            pct(step.percent()),
            Instant.ofEpochMilli(step.atMillis()),
            step.flagVersion());
      }
    }
  }

  public static void printGate(PrintWriter out, GateStatus g, Instant now) {
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
    for (RecordedApproval a : g.approvals()) {
      out.printf(
          "Approved   %s by %s at %s%s%n",
          a.gate(),
          a.by(),
          Instant.ofEpochMilli(a.atMillis()),
          a.comment() == null ? "" : ": " + a.comment());
    }
    for (String r : g.rejected()) {
      out.printf("Refused    %s%n", r);
    }
  }

  static String bar(double percent) {
    int filled = (int) Math.round(percent / 5);
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }

  public static String pct(double p) {
    return java.math.BigDecimal.valueOf(p)
        .setScale(2, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
