package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.GuardrailReading;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.StopCause;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.slf4j.Logger;

/**
 * A deployment's stage reports: the measurements and notes gathered since the last report, saved
 * for {@code rollgate deploy report} at each stage's end, at each breach and at the rollback, and
 * the stage views {@code status} shows.
 */
final class StageReports {
  private static final Logger log = Workflow.getLogger(StageReports.class);
  private static final int ANALYSES_KEPT = 50;

  private final DeployRequest request;
  private final AnalysisActivities analyses;
  private final String runKey;
  private final IntSupplier canaryPercent;
  private final List<DeployStatus.StageView> stageViews = new ArrayList<>();
  private final List<StageAnalysis> measured = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private List<MetricResult> lastAnalysis = List.of();
  private LoadTestResult lastLoadTest;
  private int breaches;

  /**
   * @param canaryPercent the canary's share now (the split set last)
   * @param carried the stage views of the runs before a continue-as-new
   */
  StageReports(
      DeployRequest request,
      AnalysisActivities analyses,
      IntSupplier canaryPercent,
      List<DeployStatus.StageView> carried) {
    this.request = request;
    this.analyses = analyses;
    this.canaryPercent = canaryPercent;
    this.runKey =
        Workflow.getInfo().getWorkflowId() + "/" + Workflow.getInfo().getFirstExecutionRunId();
    stageViews.addAll(carried);
  }

  ReportInProgress carried() {
    return new ReportInProgress(
        List.copyOf(measured), List.copyOf(notes), lastAnalysis, lastLoadTest, breaches);
  }

  /** Takes up the report in the making of the run before. */
  void resume(ReportInProgress c) {
    if (c == null) {
      return;
    }
    measured.addAll(c.measured() == null ? List.of() : c.measured());
    notes.addAll(c.notes() == null ? List.of() : c.notes());
    lastAnalysis = c.lastAnalysis() == null ? List.of() : c.lastAnalysis();
    lastLoadTest = c.lastLoadTest();
    breaches = c.breaches();
  }

  List<DeployStatus.StageView> views() {
    return List.copyOf(stageViews);
  }

  List<MetricResult> lastAnalysis() {
    return lastAnalysis;
  }

  void note(String line) {
    notes.add(line);
  }

  void notes(List<String> lines) {
    notes.addAll(lines);
  }

  void loadTest(LoadTestResult result) {
    lastLoadTest = result;
  }

  /** Keeps a measurement for the next report (the last {@value #ANALYSES_KEPT}). */
  void keep(StageAnalysis a) {
    measured.add(a);
    while (measured.size() > ANALYSES_KEPT) {
      measured.removeFirst();
    }
    if (a.results() != null && !a.results().isEmpty()) {
      lastAnalysis = a.results();
    }
  }

  /** Saves a stage's report; a report that is not a pause starts the next one afresh. */
  void save(String stage, String verdict, String detail) {
    String line = detail != null ? detail : summary();
    int percent = canaryPercent.getAsInt();
    StageReport report = report(stage, percent, verdict, List.copyOf(notes));
    analyses.save(report);
    stageViews.add(
        new DeployStatus.StageView(
            stage, percent, verdict, Instant.ofEpochMilli(report.atMillis()), line));
    if (!"PAUSE".equals(verdict)) {
      measured.clear();
      notes.clear();
      lastLoadTest = null;
    }
  }

  /** Saves a report for a failed or inconclusive gate before the kit applies the policy. */
  void breached(String stage, Verdict verdict, BreachPolicy policy, String why) {
    String v;
    String name;
    if (verdict == Verdict.FAIL && policy == BreachPolicy.ROLLBACK) {
      v = "ROLLBACK";
      name = stage;
    } else if (verdict == Verdict.FAIL && policy == BreachPolicy.NEVER) {
      v = "PROCEED";
      name = stage + " breach " + (++breaches) + " (ignored: policy never)";
    } else {
      v = "PAUSE";
      name = stage + " pause " + (++breaches);
    }
    notes.add(why);
    try {
      save(name, v, why);
    } catch (ActivityFailure e) {
      log.error("stage report not saved: {}", FailureType.rootMessage(e));
    }
  }

  /** The rollback's report (not saved here: the undo saves it without waiting on the saga). */
  StageReport rollback(StopCause cause, String reason, TrafficSplit was, int applied, String done) {
    List<String> lines = new ArrayList<>(notes);
    lines.add("cause: " + cause.name().toLowerCase() + ": " + reason);
    lines.add(
        "traffic before: " + was + " (stage " + applied + " of " + request.stages().size() + ")");
    lines.add(done);
    StageReport report = report("rollback", 0, "ROLLBACK", lines);
    stageViews.add(
        new DeployStatus.StageView(
            "rollback", 0, "ROLLBACK", Instant.ofEpochMilli(report.atMillis()), done));
    return report;
  }

  private StageReport report(String stage, int percent, String verdict, List<String> lines) {
    return new StageReport(
        Workflow.getInfo().getWorkflowId(),
        runKey,
        request.service(),
        request.version(),
        stage,
        percent,
        verdict,
        List.copyOf(measured),
        lastLoadTest,
        lines,
        Workflow.currentTimeMillis());
  }

  /** The latest figures in one line. */
  private String summary() {
    if (measured.isEmpty()) {
      return notes.isEmpty() ? "" : notes.getLast();
    }
    StageAnalysis a = measured.getLast();
    List<String> parts = new ArrayList<>();
    for (MetricResult m : a.results()) {
      parts.add(m.metric() + " " + (m.canary() == null ? "no data" : m.canary()));
    }
    return a.verdict() + ": " + String.join(", ", parts);
  }

  /** Each metric as a guardrail reading; never empty (no metrics is no data). */
  static List<GuardrailReading> readings(String prefix, StageAnalysis a) {
    long at = a.atMillis() > 0 ? a.atMillis() : Workflow.currentTimeMillis();
    if (a.results() == null || a.results().isEmpty()) {
      return List.of(
          new GuardrailReading(prefix + "analysis", Verdict.INCONCLUSIVE, null, "no metrics", at));
    }
    return a.results().stream()
        .map(
            m ->
                new GuardrailReading(
                    prefix + m.metric(),
                    m.verdict() == null ? Verdict.INCONCLUSIVE : m.verdict(),
                    m.canary(),
                    m.detail(),
                    at,
                    m.error()))
        .toList();
  }
}
