package dev.rollgate.starter.rollout;

import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.ReleasePrinter;
import dev.rollgate.workflows.gate.ReadingView;
import dev.rollgate.workflows.rollout.RolloutStatus;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/** A rollout's status for people: progress bar, next step, gates, guardrails, recent steps. */
final class RolloutPrinter implements Kind.StatusView {

  @Override
  public Object query(WorkflowStub stub) {
    return stub.query("status", RolloutStatus.class);
  }

  @Override
  public boolean ended(Object status) {
    return ((RolloutStatus) status).phase().isTerminal();
  }

  @Override
  public void print(PrintWriter out, Object status, Instant now) {
    RolloutStatus s = (RolloutStatus) status;
    out.printf("Flag       %s%n", s.flag());
    out.printf("Phase      %s%n", s.phase());
    out.printf(
        "Progress   %s %s %%  (step %d of %d)%n",
        bar(s.currentPercent()),
        Console.percent(s.currentPercent()),
        s.stepsApplied(),
        s.totalSteps());
    ReleasePrinter.printNext(
        out,
        s.nextPercent() == null ? null : Console.percent(s.nextPercent()) + " %",
        s.nextStepAt(),
        s.release().gate(),
        s.release().outcome(),
        now);
    if (s.release().outcome() != null) {
      out.printf("Outcome    %s%n", s.release().outcome());
    }
    ReleasePrinter.printGate(out, s.release().gate());
    if (!s.lastReadings().isEmpty()) {
      out.println("Guardrails");
      for (ReadingView r : s.lastReadings()) {
        out.printf("  %-16s %-12s %s%n", r.guardrail(), r.verdict(), r.detail());
      }
    }
    List<RolloutStatus.Step> history = s.history();
    if (!history.isEmpty()) {
      out.println("Recent steps");
      for (RolloutStatus.Step step :
          history.subList(Math.max(0, history.size() - 5), history.size())) {
        out.printf(
            "  #%-4d %7s %%  %s  v%d%n",
            step.index() + 1, Console.percent(step.percent()), step.at(), step.flagVersion());
      }
    }
  }

  static String bar(double percent) {
    int filled = (int) Math.round(percent / 5);
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }
}
