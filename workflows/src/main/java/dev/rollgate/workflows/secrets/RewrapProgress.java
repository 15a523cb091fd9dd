package dev.rollgate.workflows.secrets;

/**
 * Where the rewrap of a key's data keys is (after a slice, and as the slice's heartbeat).
 *
 * @param cursor the last data key id scanned (ids in order), null before the first batch
 * @param scanned data keys scanned so far in this pass
 * @param rewrapped of those, rewrapped to the new version by this rotation
 * @param already of those, found wrapped with the new version already (written after the rotation,
 *     or rewrapped by an attempt whose result was lost)
 * @param total data keys wrapped with the key when the pass started
 * @param batches batches committed so far in this pass
 * @param done whether the pass scanned every data key
 */
public record RewrapProgress(
    String cursor,
    long scanned,
    long rewrapped,
    long already,
    long total,
    long batches,
    boolean done) {

  /** The start of a pass over {@code total} data keys. */
  public static RewrapProgress start(long total) {
    return new RewrapProgress(null, 0, 0, 0, total, 0, false);
  }

  /** 0..1 of the data keys present when the pass started. */
  public double fraction() {
    if (done) {
      return 1;
    }
    return total <= 0 ? 0 : Math.min(1, (double) scanned / total);
  }
}
