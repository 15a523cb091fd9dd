package dev.rollgate.workflows.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The percentages a rollout goes through and how long it waits before each one.
 *
 * <p>Explicit: {@code 1,5,10,25,50,100} with a hold of 24 h between steps (the first step is
 * applied at once). Linear: {@code to 100 over 7d every 1h} applies 100/168 % after the first hour
 * and reaches 100 % after exactly seven days.
 */
public record RolloutPlan(List<RolloutStep> steps) {
  /** Percentages have 0.01 % granularity (10,000 buckets). */
  public static final double GRANULARITY = 0.01;

  public static RolloutPlan explicit(List<Double> percents, Duration hold) {
    if (percents == null || percents.isEmpty()) {
      throw new IllegalArgumentException("--steps needs at least one percentage");
    }
    requirePositive("--hold", hold);
    List<RolloutStep> steps = new ArrayList<>();
    for (int i = 0; i < percents.size(); i++) {
      steps.add(new RolloutStep(percents.get(i), i == 0 ? Duration.ZERO : hold));
    }
    RolloutPlan plan = new RolloutPlan(steps);
    String problem = plan.problem();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return plan;
  }

  public static RolloutPlan linear(double to, Duration over, Duration every) {
    requirePercent("--to", to);
    requirePositive("--over", over);
    requirePositive("--every", every);
    if (every.compareTo(over) > 0) {
      throw new IllegalArgumentException(
          "--every ("
              + every
              + ") is longer than the ramp --over ("
              + over
              + "): there would be no step");
    }
    long count = over.toMillis() / every.toMillis();
    if (count * (to / GRANULARITY) < count * count) {
      throw new IllegalArgumentException(
          count
              + " steps to "
              + to
              + " % are finer than the 0.01 % granularity: use a longer --every");
    }
    List<RolloutStep> steps = new ArrayList<>();
    for (long i = 1; i <= count; i++) {
      steps.add(new RolloutStep(round(to * i / count), every));
    }
    return new RolloutPlan(steps);
  }

  /** Null when the plan is valid, else one line saying what is wrong. */
  public String problem() {
    if (steps == null || steps.isEmpty()) {
      return "the plan has no steps";
    }
    double previous = 0;
    for (int i = 0; i < steps.size(); i++) {
      RolloutStep step = steps.get(i);
      if (!(step.percent() > 0 && step.percent() <= 100)) {
        return "step " + (i + 1) + ": percentage " + step.percent() + " is outside 0-100";
      }
      if (Math.abs(round(step.percent()) - step.percent()) > 1e-9) {
        return "step " + (i + 1) + ": " + step.percent() + " % is finer than 0.01 %";
      }
      if (step.percent() <= previous) {
        return "steps must be strictly increasing: " + step.percent() + " after " + previous;
      }
      if (step.holdBefore() == null || step.holdBefore().isNegative()) {
        return "step " + (i + 1) + ": hold must not be negative";
      }
      if (i > 0 && step.holdBefore().isZero()) {
        return "step " + (i + 1) + ": hold must be longer than zero";
      }
      previous = step.percent();
    }
    return null;
  }

  public Duration totalDuration() {
    return steps.stream().map(RolloutStep::holdBefore).reduce(Duration.ZERO, Duration::plus);
  }

  public static double round(double percent) {
    return Math.round(percent / GRANULARITY) * GRANULARITY;
  }

  private static void requirePositive(String option, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(option + " must be a duration longer than zero");
    }
  }

  private static void requirePercent(String option, double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException(option + " " + p + " is outside 0-100");
    }
  }
}
