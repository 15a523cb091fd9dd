package dev.rollgate.workflows.release;

import dev.rollgate.workflows.gate.GateStatus;
import java.util.List;

/**
 * What the kit carries across continue-as-new. A kind keeps these fields in its own carried record
 * (names stable: payloads of running workflows must keep deserialising).
 *
 * @param gate approvals, pause, abort and refusals so far
 * @param startedAtMillis when the first run started
 * @param generation how many times the release continued as new
 * @param saga the changes to undo, oldest first
 */
public record ReleaseState(GateStatus gate, long startedAtMillis, int generation, List<Undo> saga) {
  public ReleaseState {
    saga = saga == null ? List.of() : List.copyOf(saga);
  }
}
