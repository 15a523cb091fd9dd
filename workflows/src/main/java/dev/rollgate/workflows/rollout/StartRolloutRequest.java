package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Guardrail;
import java.time.Duration;
import java.util.List;

/**
 * Input of {@link FlagRolloutWorkflow}.
 *
 * @param flag the flag to ramp
 * @param initiator who starts the rollout (recorded; may be barred from approving)
 * @param reason why, for the audit log
 * @param plan the steps
 * @param guardrails checked before every step and every {@code guardrailInterval} during holds
 * @param guardrailInterval how often guardrails are read during holds
 * @param onBreach what a failing guardrail does: pause or roll back ({@code NEVER} is not offered
 *     for flags)
 * @param approvalAt percentages that need approval before the first step reaching them
 * @param approvalPolicy how many distinct approvers, and whether the initiator counts
 * @param startAtMillis epoch millis of the first step, 0 for now
 * @param carried progress carried across continue-as-new; null on a fresh start
 * @param startPaused start paused: nothing changes until an operator resumes
 */
public record StartRolloutRequest(
    String flag,
    String initiator,
    String reason,
    RolloutPlan plan,
    List<Guardrail> guardrails,
    Duration guardrailInterval,
    BreachPolicy onBreach,
    List<Double> approvalAt,
    ApprovalPolicy approvalPolicy,
    long startAtMillis,
    RolloutProgress carried,
    boolean startPaused) {

  public StartRolloutRequest(
      String flag,
      String initiator,
      String reason,
      RolloutPlan plan,
      List<Guardrail> guardrails,
      Duration guardrailInterval,
      BreachPolicy onBreach,
      List<Double> approvalAt,
      ApprovalPolicy approvalPolicy,
      long startAtMillis,
      RolloutProgress carried) {
    this(
        flag,
        initiator,
        reason,
        plan,
        guardrails,
        guardrailInterval,
        onBreach,
        approvalAt,
        approvalPolicy,
        startAtMillis,
        carried,
        false);
  }

  /** A rollout without guardrails or approval gates, starting now. */
  public static StartRolloutRequest of(String flag, String initiator, RolloutPlan plan) {
    return new StartRolloutRequest(
        flag, initiator, null, plan, List.of(), null, BreachPolicy.PAUSE, List.of(), null, 0, null);
  }

  /** Null when the request is valid, else one line saying what is wrong. */
  public String problem() {
    // the flag name itself is checked by the flag store (DescribeFlag) and the CLI, with the
    // one rule of dev.rollgate.flags.FlagNames
    if (flag == null || flag.isBlank()) {
      return "a flag name is required";
    }
    if (initiator == null || initiator.isBlank()) {
      return "the initiator (--by) is required";
    }
    if (plan == null) {
      return "a plan (--steps or --to/--over/--every) is required";
    }
    String planProblem = plan.problem();
    if (planProblem != null) {
      return planProblem;
    }
    for (Guardrail g : guardrails()) {
      String p = g.problem();
      if (p != null) {
        return p;
      }
    }
    if (!guardrails().isEmpty()
        && (guardrailInterval == null
            || guardrailInterval.isZero()
            || guardrailInterval.isNegative())) {
      return "the guardrail interval must be longer than zero";
    }
    if (onBreach() == BreachPolicy.NEVER) {
      return "a rollout's breach policy is pause or rollback";
    }
    for (double p : approvalAt()) {
      if (!(p > 0 && p <= 100)) {
        return "approval percentage " + p + " is outside 0-100";
      }
    }
    if (!approvalAt().isEmpty() && (approvalPolicy == null || approvalPolicy.required() < 1)) {
      return "an approval gate needs at least one approver";
    }
    if (startAtMillis < 0) {
      return "the start time must not be negative";
    }
    return null;
  }

  @Override
  public List<Guardrail> guardrails() {
    return guardrails == null ? List.of() : guardrails;
  }

  @Override
  public List<Double> approvalAt() {
    return approvalAt == null ? List.of() : approvalAt;
  }

  @Override
  public BreachPolicy onBreach() {
    return onBreach == null ? BreachPolicy.PAUSE : onBreach;
  }

  public StartRolloutRequest withCarried(RolloutProgress progress) {
    return new StartRolloutRequest(
        flag,
        initiator,
        reason,
        plan,
        guardrails,
        guardrailInterval,
        onBreach,
        approvalAt,
        approvalPolicy,
        startAtMillis,
        progress,
        startPaused);
  }
}
