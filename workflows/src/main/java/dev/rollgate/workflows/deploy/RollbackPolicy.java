package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.BreachPolicy;
import java.util.Locale;

/** What a failed gate or rollback trigger does to a deployment. */
public enum RollbackPolicy {
  /** All traffic back to stable at once, confirmed by reading the router back (default). */
  AUTO(BreachPolicy.ROLLBACK),
  /** Pause and ask a human (resume or abort). */
  PAUSE(BreachPolicy.PAUSE),
  /**
   * Record the breach and go on: for a release whose schema change makes the old version unsafe.
   */
  NEVER(BreachPolicy.NEVER);

  private final BreachPolicy breach;

  RollbackPolicy(BreachPolicy breach) {
    this.breach = breach;
  }

  /** The kit's breach policy for it. */
  public BreachPolicy breach() {
    return breach;
  }

  /** {@code auto}, {@code pause}, {@code never}; null when it is none of them. */
  public static RollbackPolicy parse(String text) {
    if (text == null) {
      return null;
    }
    for (RollbackPolicy p : values()) {
      if (p.name().equals(text.trim().toUpperCase(Locale.ROOT))) {
        return p;
      }
    }
    return null;
  }

  public String words() {
    return name().toLowerCase(Locale.ROOT);
  }
}
