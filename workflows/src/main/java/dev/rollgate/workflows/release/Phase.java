package dev.rollgate.workflows.release;

import java.util.Locale;

/**
 * The one phase vocabulary of every release kind, published as the {@code RollgatePhase} search
 * attribute. A kind names its steps (shown beside the phase), never phases of its own.
 */
public enum Phase {
  /** Checking its input and targets; nothing changed yet. */
  STARTING,
  /** Waiting for a scheduled start time. */
  SCHEDULED,
  /** Making a change (applying a step). */
  RUNNING,
  /** Waiting out a hold between steps. */
  HOLDING,
  /** Reading guardrail metrics before a step. */
  CHECKING,
  /** Waiting for operators to approve. */
  AWAITING_APPROVAL,
  /** Frozen by an operator or by an inconclusive/failed gate; timers do not run. */
  PAUSED,
  /** Undoing its changes after a failed gate. */
  ROLLING_BACK,
  COMPLETED,
  ROLLED_BACK,
  ABORTED,
  CANCELLED,
  FAILED;

  public boolean isTerminal() {
    return switch (this) {
      case COMPLETED, ROLLED_BACK, ABORTED, CANCELLED, FAILED -> true;
      default -> false;
    };
  }

  /**
   * Reads a {@code RollgatePhase} value, including those written by rollouts started before the
   * release kit ({@code APPLYING} is now {@link #RUNNING}); null when unknown.
   */
  public static Phase parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim().toUpperCase(Locale.ROOT);
    if (v.equals("APPLYING")) {
      return RUNNING;
    }
    for (Phase p : values()) {
      if (p.name().equals(v)) {
        return p;
      }
    }
    return null;
  }

  /** {@code AWAITING_APPROVAL} → {@code awaiting approval}. */
  public String words() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
