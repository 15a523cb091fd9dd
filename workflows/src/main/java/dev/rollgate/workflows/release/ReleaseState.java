package dev.rollgate.workflows.release;

import dev.rollgate.workflows.gate.CheckCount;
import dev.rollgate.workflows.gate.GateStatus;
import java.util.List;
import java.util.Map;

/**
 * What the kit carries across continue-as-new. A kind keeps these fields in its own carried record
 * (names stable: payloads of running workflows must keep deserialising; fields added later are null
 * in older payloads).
 *
 * @param gate approvals, pause, abort and refusals so far
 * @param startedAtMillis when the first run started
 * @param generation how many times the release continued as new
 * @param saga the changes to undo, oldest first
 * @param hold the hold in progress when the run continued as new in the middle of it, or null
 * @param counters the background analysis counts of that hold, per guardrail gate, or null
 */
public record ReleaseState(
    GateStatus gate,
    long startedAtMillis,
    int generation,
    List<Undo> saga,
    HoldState hold,
    Map<String, List<CheckCount>> counters) {
  public ReleaseState {
    saga = saga == null ? List.of() : List.copyOf(saga);
    counters = counters == null ? Map.of() : Map.copyOf(counters);
  }

  /** The state of a release between steps (no hold in progress). */
  public ReleaseState(GateStatus gate, long startedAtMillis, int generation, List<Undo> saga) {
    this(gate, startedAtMillis, generation, saga, null, null);
  }
}
