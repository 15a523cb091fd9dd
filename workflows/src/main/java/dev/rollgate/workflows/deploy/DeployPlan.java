package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.release.Words;
import java.util.ArrayList;
import java.util.List;

/**
 * A deployment's plan in words: the checks at start, each stage's gates, router change and hold,
 * and what a rollback does. Pure: the {@code plan} query and {@code deploy start --dry-run} (which
 * connects to nothing) print the same lines.
 */
public final class DeployPlan {
  private DeployPlan() {}

  public static List<String> describe(DeployRequest r) {
    List<String> lines = new ArrayList<>();
    Router router = r.router();
    lines.add(
        "deploy "
            + r.service()
            + " "
            + r.version()
            + " ("
            + r.strategy()
            + ", rollback "
            + r.rollback().words()
            + ") on "
            + router.describe());
    List<String> checks = new ArrayList<>(List.of("router " + router.type()));
    if (r.environment() != null) {
      checks.add("ECS cluster " + r.environment().cluster() + " and its services");
    }
    if (r.analysis() != null) {
      checks.add(
          r.startPaused() ? "analysis not checked (starts paused)" : "analysis (Prometheus)");
    }
    if (r.loadTest() != null) {
      checks.add("Locust and " + r.loadTest().locustfile());
    }
    lines.add("at start: check " + String.join(", ", checks) + "; nothing changes before");
    if (r.startPaused()) {
      lines.add("starts paused: nothing changes until someone resumes");
    }
    List<Stage> stages = r.stages();
    TrafficSplit from = TrafficSplit.ALL_STABLE;
    int first = 0;
    if (r.resumeFrom() != null) {
      from = r.resumeFrom().restore();
      first = r.resumeFrom().stage();
      lines.add("retry: set " + from + " first, then go on from stage " + (first + 1));
    }
    if (r.blueGreen()) {
      Environment e = r.environment();
      if (e != null) {
        lines.add(
            "prepare the idle side: register "
                + e.taskFamily()
                + " ("
                + e.image()
                + ") and update "
                + e.idleService()
                + " to "
                + e.desiredCount()
                + " task(s); wait until stable");
      }
      lines.add(
          "check the idle side at "
              + r.canaryUrl()
              + ": health"
              + (r.smoke().isEmpty() ? "" : ", " + r.smoke().size() + " smoke check(s)"));
      for (SmokeCheck c : r.smoke()) {
        lines.add(
            "  GET "
                + c.path()
                + " -> "
                + c.expectStatus()
                + (c.expectBody() == null ? "" : " containing '" + c.expectBody() + "'"));
      }
    }
    for (int i = first; i < stages.size(); i++) {
      Stage s = stages.get(i);
      int before = i == 0 ? 0 : stages.get(i - 1).weight();
      if (r.loadTest() != null && r.loadTestAfter() == before) {
        lines.add(loadTest(r));
      }
      StringBuilder line = new StringBuilder();
      line.append("stage ").append(i + 1).append(" of ").append(stages.size()).append(": ");
      List<String> gates = new ArrayList<>();
      if (needsApproval(r, i)) {
        gates.add(
            r.approvals().required()
                + " approval(s)"
                + (r.approvals().initiatorMayApprove() ? "" : ", not by the initiator"));
      }
      if (r.analysis() != null && from.canary() > 0) {
        gates.add("canary analysis at " + from.canary() + " % (" + settings(r.analysis()) + ")");
      }
      if (!gates.isEmpty()) {
        line.append("gate: ").append(String.join("; ", gates)).append("; ");
      }
      TrafficSplit to = TrafficSplit.canaryAt(s.weight());
      line.append("shift ").append(from).append(" -> ").append(to);
      if (!s.hold().isZero()) {
        line.append("; hold ").append(Words.duration(s.hold()));
        if (r.analysis() != null) {
          line.append(" with rollback triggers");
          if (s.weight() < 100) {
            line.append(" and canary analysis");
          }
          line.append(" every ").append(Words.duration(r.analysis().settings().interval()));
        }
        line.append(", drift check");
      }
      lines.add(line.toString());
      if (i == 0 && r.warmUp() != null && from.canary() == 0) {
        WarmUp w = r.warmUp();
        lines.add(
            "  warm-up: "
                + w.perSecond()
                + " requests/s to "
                + w.url()
                + " for "
                + Words.duration(w.duration())
                + ", before the first gate");
      }
      from = to;
    }
    if (r.loadTest() != null && r.loadTestAfter() == 100) {
      lines.add(loadTest(r));
    }
    if (r.blueGreen()) {
      lines.add(
          "keep the old side for a rollback window of "
              + Words.duration(r.rollbackWindow())
              + (r.environment() == null
                  ? ""
                  : ", then retire it (scale " + r.environment().stableService() + " to 0)"));
    }
    if (r.analysis() != null) {
      RollbackTriggers t =
          r.analysis().triggers() == null ? RollbackTriggers.defaults() : r.analysis().triggers();
      lines.add(
          "rollback triggers: error ratio above "
              + Words.percent(t.maxErrorRatio() * 100)
              + " %, p95 above "
              + Words.percent(t.maxP95Seconds() * 1000)
              + " ms, "
              + t.max5xx()
              + " or more 5xx within "
              + Words.duration(t.within5xx()));
    }
    lines.add(
        switch (r.rollback()) {
          case AUTO ->
              "on a failed gate or trigger, or an abort: all traffic to stable ("
                  + TrafficSplit.ALL_STABLE
                  + ") at once, read back to confirm";
          case PAUSE ->
              "on a failed gate or trigger: pause for a human; on an abort: all traffic to"
                  + " stable at once, read back to confirm";
          case NEVER ->
              "on a failed gate or trigger: record it and go on; on an abort: all traffic to"
                  + " stable at once, read back to confirm";
        });
    return lines;
  }

  private static String loadTest(DeployRequest r) {
    LoadTest l = r.loadTest();
    return "load test: locust -f "
        + l.locustfile()
        + " -u "
        + l.users()
        + " -r "
        + l.spawnRate()
        + " -t "
        + Words.duration(l.duration())
        + " against "
        + r.canaryUrl()
        + "; gate: failures <= "
        + Words.percent(l.maxFailureRatio() * 100)
        + " %, p95 <= "
        + Words.percent(l.maxP95Millis())
        + " ms";
  }

  private static String settings(CanaryAnalysis a) {
    Analysis s = a.settings();
    return "count "
        + s.count()
        + " every "
        + Words.duration(s.interval())
        + ", failure limit "
        + s.failureLimit()
        + ", inconclusive limit "
        + s.inconclusiveLimit()
        + (s.dryRun() ? ", dry run" : "");
  }

  /** Whether an approval weight is first reached by stage {@code i}. */
  static boolean needsApproval(DeployRequest r, int i) {
    int previous = i == 0 ? 0 : r.stages().get(i - 1).weight();
    int weight = r.stages().get(i).weight();
    return r.approveAt().stream().anyMatch(at -> at > previous && at <= weight);
  }

  /** The {@code deploy-started} audit line. */
  static String started(DeployRequest r) {
    return r.version()
        + " ("
        + r.strategy()
        + ", "
        + r.stages().size()
        + " stages, rollback "
        + r.rollback().words()
        + ") on "
        + r.router().describe()
        + (r.reason() == null ? "" : ": " + r.reason());
  }

  /** The {@code deploy-retry} audit line. */
  static String retry(DeployRequest r, ResumeFrom from) {
    return "retry of run "
        + from.previousRunId()
        + " from stage "
        + (from.stage() + 1)
        + " ("
        + r.stages().get(from.stage()).label()
        + "), restoring "
        + from.restore();
  }
}
