package dev.rollgate.workflows.migration;

/**
 * Where a table's backfill is after a slice (also its heartbeat).
 *
 * @param table {@code schema.table}
 * @param rowsDone rows updated so far, over all slices (committed with the cursor)
 * @param rowsTotal the rows present at the start (exact, or the planner's estimate on large tables)
 * @param rowsPerSecond the rate of the last slice's batches (throttled time excluded)
 * @param batchSize the adapted batch size the next slice starts with
 * @param batches batches committed so far
 * @param throttled why the last slice was throttled when it returned (lock waiters, autovacuum,
 *     replica lag), or null
 * @param throttledMillis time spent throttled in the last slice
 * @param done whether every row present at the start was filled
 */
public record BackfillProgress(
    String table,
    long rowsDone,
    long rowsTotal,
    double rowsPerSecond,
    int batchSize,
    long batches,
    String throttled,
    long throttledMillis,
    boolean done) {

  /** 0..1 of the rows present at start. */
  public double fraction() {
    if (done) {
      return 1;
    }
    return rowsTotal <= 0 ? 0 : Math.min(1, (double) rowsDone / rowsTotal);
  }

  /** Seconds left at the last rate, or -1 when unknown. */
  public long etaSeconds() {
    if (done) {
      return 0;
    }
    if (rowsPerSecond <= 0 || rowsTotal <= 0) {
      return -1;
    }
    return (long) Math.ceil(Math.max(0, rowsTotal - rowsDone) / rowsPerSecond);
  }
}
