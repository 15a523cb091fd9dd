package dev.rollgate.workflows.testing.dial;

import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.release.ReleaseState;
import java.time.Duration;
import java.util.List;

/**
 * @param continueAsNewEvery continue as new after this many steps (0: never), to test carried state
 */
public record DialRequest(
    String dial,
    String initiator,
    List<Integer> values,
    Duration hold,
    List<Guardrail> guardrails,
    Duration checkEvery,
    BreachPolicy onBreach,
    List<Integer> approveAt,
    ApprovalPolicy approvals,
    long startAtMillis,
    int continueAsNewEvery,
    Carried carried) {

  /** What the dial carries across continue-as-new: its own position and the kit's state. */
  public record Carried(int next, int value, ReleaseState kit) {}

  public static DialRequest of(String dial, String initiator, Duration hold, Integer... values) {
    return new DialRequest(
        dial,
        initiator,
        List.of(values),
        hold,
        List.of(),
        null,
        BreachPolicy.PAUSE,
        List.of(),
        null,
        0,
        0,
        null);
  }

  public DialRequest withGuardrails(List<Guardrail> g, Duration every, BreachPolicy policy) {
    return new DialRequest(
        dial,
        initiator,
        values,
        hold,
        g,
        every,
        policy,
        approveAt,
        approvals,
        startAtMillis,
        continueAsNewEvery,
        carried);
  }

  public DialRequest withApprovals(List<Integer> at, ApprovalPolicy policy) {
    return new DialRequest(
        dial,
        initiator,
        values,
        hold,
        guardrails,
        checkEvery,
        onBreach,
        at,
        policy,
        startAtMillis,
        continueAsNewEvery,
        carried);
  }

  public DialRequest startingAt(long millis) {
    return new DialRequest(
        dial,
        initiator,
        values,
        hold,
        guardrails,
        checkEvery,
        onBreach,
        approveAt,
        approvals,
        millis,
        continueAsNewEvery,
        carried);
  }

  public DialRequest continuingAsNewEvery(int steps) {
    return new DialRequest(
        dial,
        initiator,
        values,
        hold,
        guardrails,
        checkEvery,
        onBreach,
        approveAt,
        approvals,
        startAtMillis,
        steps,
        carried);
  }

  DialRequest carrying(Carried c) {
    return new DialRequest(
        dial,
        initiator,
        values,
        hold,
        guardrails,
        checkEvery,
        onBreach,
        approveAt,
        approvals,
        startAtMillis,
        continueAsNewEvery,
        c);
  }
}
