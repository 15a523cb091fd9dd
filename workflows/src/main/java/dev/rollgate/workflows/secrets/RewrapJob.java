package dev.rollgate.workflows.secrets;

/**
 * One slice of a rewrap: up to {@code maxBatches} batches of {@code batchSize} data keys, in key-id
 * order after {@code from.cursor()}. Idempotent: a data key already wrapped with {@code toVersion}
 * (or later) is left as it is, so a slice retried after a crash redoes nothing.
 *
 * @param key the transit key
 * @param toVersion the version every data key must be wrapped with
 * @param batchSize data keys per batch (one transit batch rewrap and one transaction each)
 * @param maxBatches the slice returns after this many batches
 * @param from where the previous slice ended (the counts go on from there)
 */
public record RewrapJob(
    String key, int toVersion, int batchSize, int maxBatches, RewrapProgress from) {}
