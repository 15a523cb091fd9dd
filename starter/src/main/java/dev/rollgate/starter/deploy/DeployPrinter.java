package dev.rollgate.starter.deploy;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.ReleasePrinter;
import dev.rollgate.workflows.deploy.DeployStatus;
import dev.rollgate.workflows.deploy.MetricResult;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/** A deployment's status for people: stage, split, next step, gate, last figures, stages. */
final class DeployPrinter implements Kind.StatusView {

  @Override
  public Object query(WorkflowStub stub) {
    return stub.query("status", DeployStatus.class);
  }

  @Override
  public boolean ended(Object status) {
    return ((DeployStatus) status).phase().isTerminal();
  }

  @Override
  public void print(PrintWriter out, Object status, Instant now) {
    DeployStatus s = (DeployStatus) status;
    out.printf("Service    %s %s (%s)%n", s.service(), s.version(), s.strategy());
    out.printf("Phase      %s%n", s.phase());
    out.printf("Stage      %s%n", s.release().position());
    out.printf(
        "Split      %s  (stable %d %% / new %d %%) on %s%n",
        s.split(), s.split().stable(), s.split().canary(), s.router());
    ReleasePrinter.printNext(
        out, s.next(), s.nextAt(), s.release().gate(), s.release().outcome(), now);
    if (s.release().outcome() != null) {
      out.printf("Outcome    %s%n", s.release().outcome());
    }
    ReleasePrinter.printGate(out, s.release().gate());
    if (!s.lastAnalysis().isEmpty()) {
      out.println("Analysis");
      for (MetricResult m : s.lastAnalysis()) {
        out.printf("  %s%n", figures(m));
      }
    }
    List<DeployStatus.StageView> stages = s.stages();
    if (!stages.isEmpty()) {
      out.println("Stages");
      for (DeployStatus.StageView v :
          stages.subList(Math.max(0, stages.size() - 8), stages.size())) {
        out.printf(
            "  %-12s %3d %%  %-8s %s  %s%n",
            v.stage(), v.canaryPercent(), v.verdict(), v.at(), v.detail());
      }
    }
    if (s.retryFrom() != null) {
      out.printf(
          "Retry      rollgate deploy retry %s  (from stage %d, restoring %s)%n",
          s.service(), s.retryFrom().stage() + 1, s.retryFrom().restore());
    }
  }

  /** {@code error_ratio canary 0.031 baseline 0.001 n=60/60 p=0.0001 effect 0.9 FAIL}. */
  static String figures(MetricResult m) {
    return String.format(
        "%-14s canary %-10s baseline %-10s n=%d/%d  p=%s  effect %s  %s%s  %s",
        m.metric(),
        number(m.canary()),
        number(m.baseline()),
        m.canarySamples(),
        m.baselineSamples(),
        number(m.pValue()),
        number(m.effectSize()),
        m.verdict(),
        m.critical() ? " (critical)" : "",
        m.detail() == null ? "" : m.detail());
  }

  static String number(Double d) {
    if (d == null) {
      return "-";
    }
    return String.format("%.4g", d);
  }
}
