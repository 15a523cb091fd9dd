package dev.rollgate.workflows.migration;

/**
 * One bounded slice of a table's backfill: the activity runs batches for at most {@link
 * #sliceMillis} and returns where it is. The cursor lives in the target database ({@code
 * rollgate.backfill_cursor}, committed with each batch), so a slice always resumes after the last
 * committed batch, whatever happened to the previous one.
 *
 * @param database the registered target database
 * @param migration the cursor's key: the workflow id and first run id ({@code Release.stepKey}),
 *     the same across continue-as-new and retries
 * @param index which of the plan's backfills (0-based)
 * @param backfill what to fill
 * @param batchTargetMillis the target duration of one batch's transaction (50..1000 ms)
 * @param sliceMillis how long this slice may run batches before it returns
 * @param batchSize the batch size to start with (the previous slice's adapted size), 0 = default
 * @param maxReplicaLagMillis throttle while a replica's replay lag is over this (0 = not checked)
 */
public record BackfillJob(
    String database,
    String migration,
    int index,
    Backfill backfill,
    long batchTargetMillis,
    long sliceMillis,
    int batchSize,
    long maxReplicaLagMillis) {

  public BackfillJob withSlice(long millis) {
    return new BackfillJob(
        database,
        migration,
        index,
        backfill,
        batchTargetMillis,
        millis,
        batchSize,
        maxReplicaLagMillis);
  }

  public BackfillJob withSize(int size) {
    return new BackfillJob(
        database,
        migration,
        index,
        backfill,
        batchTargetMillis,
        sliceMillis,
        size,
        maxReplicaLagMillis);
  }
}
