package dev.rollgate.workflows.rollout;

import dev.rollgate.workflows.gate.ApprovalPolicy;
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
 * @param onBreach what a failing guardrail does
 * @param approvalAt percentages that need approval before the first step reaching them
 * @param approvalPolicy how many distinct approvers, and whether the initiator counts
 * @param startAtMillis epoch millis of the first step, 0 for now
 * @param carried progress carried across continue-as-new; null on a fresh start
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
    RolloutProgress carried) {

  public static final int MAX_FLAG_NAME = 128;

  /** A rollout without guardrails or approval gates, starting now. */
  public static StartRolloutRequest of(String flag, String initiator, RolloutPlan plan) {
    return new StartRolloutRequest(
        flag, initiator, null, plan, List.of(), null, BreachPolicy.PAUSE, List.of(), null, 0, null);
  }

  /** Null when the request is valid, else one line saying what is wrong. */
  public String problem() {
    String nameProblem = flagNameProblem(flag);
    if (nameProblem != null) {
      return nameProblem;
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

  /** Null when {@code name} is a valid flag name, else why not. */
  public static String flagNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "a flag name is required";
    }
    if (name.length() > MAX_FLAG_NAME) {
      return "flag name is " + name.length() + " characters; the limit is " + MAX_FLAG_NAME;
    }
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return "flag name '"
          + name
          + "' may contain only letters, digits, '.', '_' and '-', starting with a letter or digit";
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
        progress);
  }
}
