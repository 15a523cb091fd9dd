package dev.rollgate.workflows.gate;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.Stop;
import dev.rollgate.workflows.release.StopCause;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guardrail gate of the release kit: reads metrics, judges them with Argo-style settings
 * ({@link Analysis}) and applies the release's breach policy. No data and an unreachable metrics
 * source are inconclusive: they pause for a human, never pass and never abort by themselves.
 */
public final class GuardrailGate {
  private final Release release;
  private final List<Guardrail> guardrails;
  private final Duration interval;
  private final BreachPolicy onBreach;
  private final GuardrailActivities remote;
  private final GuardrailActivities local;
  private final GuardrailSource source;
  private final Analysis settings;
  private List<GuardrailReading> last = List.of();

  /**
   * @param interval the release's check interval: the default {@link Analysis#interval()}
   * @param onBreach what a failed gate does
   */
  public GuardrailGate(
      Release release, List<Guardrail> guardrails, Duration interval, BreachPolicy onBreach) {
    this(release, guardrails, interval, onBreach, null, null);
  }

  /**
   * A gate whose readings come from the kind's own {@code source}.
   *
   * @param guardrails what is measured (names and settings; the source decides how)
   * @param settings the analysis settings of readings named after no guardrail, and the interval
   */
  public GuardrailGate(
      Release release,
      List<Guardrail> guardrails,
      Analysis settings,
      BreachPolicy onBreach,
      GuardrailSource source) {
    this(release, guardrails, settings.interval(), onBreach, source, settings);
  }

  private GuardrailGate(
      Release release,
      List<Guardrail> guardrails,
      Duration interval,
      BreachPolicy onBreach,
      GuardrailSource source,
      Analysis settings) {
    this.release = release;
    this.guardrails = guardrails == null ? List.of() : guardrails;
    this.interval = interval;
    this.onBreach = onBreach == null ? BreachPolicy.PAUSE : onBreach;
    this.source = source;
    this.settings = settings;
    // a failed read is an error reading, never a pass; do not retry for long
    RetryOptions retry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofSeconds(30))
            .setMaximumAttempts(3)
            .build();
    this.remote =
        Workflow.newActivityStub(
            GuardrailActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(retry)
                .build());
    this.local =
        Workflow.newLocalActivityStub(
            GuardrailActivities.class,
            LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(retry)
                .build());
  }

  /** Metric reads are short: local activities, except in runs recorded before the release kit. */
  private GuardrailActivities activities() {
    return release.legacy() ? remote : local;
  }

  /**
   * Checks at start that the metrics source answers and every query parses; fails with the
   * activity's typed, non-retryable failure otherwise.
   */
  public void validate() {
    if (guardrails.isEmpty()) {
      return;
    }
    if (source != null) {
      source.validate(guardrails);
    } else {
      activities().validate(guardrails);
    }
  }

  /** The latest readings. */
  public List<GuardrailReading> lastReadings() {
    return last;
  }

  /**
   * The gate before a step: waits while paused, then measures until every guardrail has {@code
   * count} good measurements. A failure applies the breach policy (pause, or {@link Stop} for a
   * rollback, or go on); an inconclusive result pauses and measures afresh after the resume.
   *
   * @return the readings that passed (empty without guardrails)
   */
  public List<GuardrailReading> beforeStep(String stepName) {
    Tallies tallies = new Tallies(false);
    boolean delayed = release.legacy();
    while (true) {
      release.awaitRunning();
      if (guardrails.isEmpty()) {
        return List.of();
      }
      if (!delayed) {
        delayed = true;
        Duration delay = initialDelay();
        if (!delay.isZero()) {
          release.enter(Phase.CHECKING, "initial delay before guardrails for " + stepName);
          release.wait(delay, "guardrail initial delay");
        }
      }
      release.enter(Phase.CHECKING, "guardrails before " + stepName);
      List<GuardrailReading> readings = measure();
      release.checkAborted();
      Verdict verdict = tallies.add(readings);
      if (verdict == Verdict.PASS) {
        return readings;
      }
      if (verdict == null) {
        release.wait(measurementInterval(), "next guardrail measurement");
        continue;
      }
      if (breach(verdict, readings, false)) {
        return readings;
      }
      tallies = new Tallies(false);
    }
  }

  /**
   * The check run every interval during a hold, or null when there is nothing to check: a failure
   * applies the breach policy, an inconclusive result pauses.
   */
  public Runnable duringHold() {
    if (guardrails.isEmpty()) {
      return null;
    }
    Tallies[] tallies = {new Tallies(true)};
    // the counts survive a continue-as-new in the middle of the hold
    tallies[0].load(release.carryCounters(key(), () -> tallies[0].counts()));
    return () -> {
      List<GuardrailReading> readings = measure();
      Verdict verdict = tallies[0].add(readings);
      if (verdict == Verdict.FAIL || verdict == Verdict.INCONCLUSIVE) {
        breach(verdict, readings, true);
        tallies[0] = new Tallies(true);
      }
    };
  }

  /** Names this gate among a kind's gates: its guardrails' names. */
  private String key() {
    return String.join(",", guardrails.stream().map(Guardrail::name).toList());
  }

  /**
   * Applies the breach policy to a failed or inconclusive verdict.
   *
   * @return true when the release goes on anyway (policy NEVER)
   */
  private boolean breach(Verdict verdict, List<GuardrailReading> readings, boolean publish) {
    String why = describe(verdict, readings);
    if (source != null) {
      source.breached(verdict, onBreach, why);
    }
    if (verdict == Verdict.FAIL && onBreach == BreachPolicy.ROLLBACK) {
      throw new Stop(StopCause.ROLLBACK, why);
    }
    if (verdict == Verdict.FAIL && onBreach == BreachPolicy.NEVER) {
      release.record(OperatorGate.SYSTEM, "breach-ignored", why + " (policy: never roll back)");
      return true;
    }
    release.pauseBySystem(why, publish);
    return false;
  }

  private List<GuardrailReading> measure() {
    try {
      last = source != null ? source.check(guardrails) : activities().check(guardrails);
    } catch (ActivityFailure e) {
      long now = Workflow.currentTimeMillis();
      String why = "check failed: " + FailureType.rootMessage(e);
      last =
          guardrails.stream()
              .map(g -> new GuardrailReading(g.name(), Verdict.INCONCLUSIVE, null, why, now, true))
              .toList();
    }
    return last;
  }

  private Duration initialDelay() {
    Duration longest = Duration.ZERO;
    for (Guardrail g : guardrails) {
      Duration d = g.analysisOr(interval).initialDelay();
      if (d != null && d.compareTo(longest) > 0) {
        longest = d;
      }
    }
    return longest;
  }

  private Duration measurementInterval() {
    Duration shortest = null;
    for (Guardrail g : guardrails) {
      Duration d = g.analysisOr(interval).interval();
      if (shortest == null || d.compareTo(shortest) < 0) {
        shortest = d;
      }
    }
    return shortest;
  }

  /** Counts of one analysis window, per guardrail. */
  private final class Tallies {
    private final boolean continuous;
    private final Map<String, int[]> counts = new LinkedHashMap<>();

    /**
     * @param continuous a hold's background analysis (no count to reach), or a gate's
     */
    Tallies(boolean continuous) {
      this.continuous = continuous;
    }

    List<CheckCount> counts() {
      return counts.entrySet().stream()
          .map(
              e ->
                  new CheckCount(
                      e.getKey(),
                      e.getValue()[0],
                      e.getValue()[1],
                      e.getValue()[2],
                      e.getValue()[3]))
          .toList();
    }

    void load(List<CheckCount> carried) {
      for (CheckCount c : carried) {
        counts.put(
            c.guardrail(),
            new int[] {c.measured(), c.failed(), c.inconclusive(), c.consecutiveErrors()});
      }
    }

    /** PASS, FAIL, INCONCLUSIVE, or null when more measurements are needed. */
    Verdict add(List<GuardrailReading> readings) {
      boolean failed = false;
      boolean inconclusive = false;
      boolean more = false;
      for (GuardrailReading r : readings) {
        Analysis a = analysisOf(r.guardrail());
        if (a.dryRun()) {
          continue;
        }
        // measured, failed, inconclusive, consecutive errors
        int[] c = counts.computeIfAbsent(r.guardrail(), k -> new int[4]);
        if (r.error() && !release.legacy()) {
          c[3]++;
          if (c[3] > a.consecutiveErrorLimit()) {
            inconclusive = true;
          } else {
            more = true;
          }
          continue;
        }
        c[3] = 0;
        c[0]++;
        if (r.verdict() == Verdict.FAIL) {
          c[1]++;
        } else if (r.verdict() == Verdict.INCONCLUSIVE) {
          c[2]++;
        }
        if (c[1] > a.failureLimit()) {
          failed = true;
        } else if (c[2] > a.inconclusiveLimit()) {
          inconclusive = true;
        } else if (!continuous && c[0] < a.count()) {
          more = true;
        }
      }
      if (failed) {
        return Verdict.FAIL;
      }
      if (inconclusive) {
        return Verdict.INCONCLUSIVE;
      }
      return more ? null : Verdict.PASS;
    }
  }

  private Analysis analysisOf(String name) {
    for (Guardrail g : guardrails) {
      if (g.name().equals(name)) {
        return g.analysisOr(interval);
      }
    }
    return settings != null ? settings : Analysis.defaults(interval);
  }

  /** {@code guardrail breach; errors: 0.05 >= 0.01}. */
  public static String describe(Verdict verdict, List<GuardrailReading> readings) {
    StringBuilder sb = new StringBuilder("guardrail ");
    sb.append(verdict == Verdict.FAIL ? "breach" : "inconclusive");
    for (GuardrailReading r : readings) {
      if (r.verdict() == verdict) {
        sb.append("; ").append(r.guardrail()).append(": ").append(r.detail());
      }
    }
    return sb.toString();
  }
}
