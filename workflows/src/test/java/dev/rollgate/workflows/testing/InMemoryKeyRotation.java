package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.secrets.KeyRotationActivities;
import dev.rollgate.workflows.secrets.RewrapJob;
import dev.rollgate.workflows.secrets.RewrapProgress;
import dev.rollgate.workflows.secrets.TransitKeyState;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Transit keys and Rollgate's data-key table in memory: a key's latest and minimum decryption
 * versions, and per data key (by id, in id order) the version wrapping it. What each call did is
 * kept in {@link #calls}, in order.
 */
public final class InMemoryKeyRotation implements KeyRotationActivities {
  /** What was called, in order: {@code rotate rollgate}, {@code rewrap rollgate 10}, ... */
  public final List<String> calls = new CopyOnWriteArrayList<>();

  /** transit key → {latest version, minimum decryption version}. */
  public final Map<String, int[]> keys = new ConcurrentHashMap<>();

  /** data key id → wrapping version, of the transit key {@link #key}. */
  public final NavigableMap<String, Integer> dataKeys = new ConcurrentSkipListMap<>();

  /** Data keys written with the old version while the first rewrap pass runs (a racing worker). */
  public volatile int lateOldKeys;

  /** Real time a rewrap slice takes (to abort inside one). */
  public volatile long sliceRealMillis;

  /** Real time the raise takes (to act while it runs). */
  public volatile long raiseRealMillis;

  private final String key;

  public InMemoryKeyRotation(String key, int dataKeyCount) {
    this.key = key;
    keys.put(key, new int[] {1, 1});
    for (int i = 0; i < dataKeyCount; i++) {
      dataKeys.put(String.format("k%08d", i), 1);
    }
  }

  private int[] key(String name) {
    int[] k = keys.get(name);
    if (k == null) {
      throw FailureType.NOT_FOUND.permanent("transit key '" + name + "' does not exist");
    }
    return k;
  }

  @Override
  public TransitKeyState inspect(String name, int version) {
    calls.add("inspect " + name + (version <= 0 ? "" : " below v" + version));
    int[] k = key(name);
    long below = version <= 0 ? 0 : dataKeys.values().stream().filter(v -> v < version).count();
    return new TransitKeyState(name, k[0], k[1], dataKeys.size(), below);
  }

  @Override
  public int rotate(String name, int fromVersion) {
    int[] k = key(name);
    if (k[0] == fromVersion) {
      k[0]++;
      calls.add("rotate " + name);
    }
    return k[0];
  }

  @Override
  public RewrapProgress rewrap(RewrapJob job) {
    calls.add("rewrap " + job.key());
    sleep(sliceRealMillis);
    RewrapProgress p = job.from();
    String cursor = p.cursor();
    long scanned = p.scanned();
    long rewrapped = p.rewrapped();
    long already = p.already();
    long batches = p.batches();
    boolean done = false;
    for (int b = 0; b < job.maxBatches() && !done; b++) {
      NavigableMap<String, Integer> rest =
          cursor == null ? dataKeys : dataKeys.tailMap(cursor, false);
      List<String> batch = rest.keySet().stream().limit(job.batchSize()).toList();
      for (String id : batch) {
        if (dataKeys.get(id) >= job.toVersion()) {
          already++;
        } else {
          dataKeys.put(id, job.toVersion());
          rewrapped++;
        }
        cursor = id;
      }
      scanned += batch.size();
      batches++;
      done = batch.size() < job.batchSize();
      if (batches == 1 && lateOldKeys > 0) {
        // written just after the pass began, before its cursor: the next pass must take them
        for (int i = 0; i < lateOldKeys; i++) {
          dataKeys.put(String.format("a%08d", i), job.toVersion() - 1);
        }
        lateOldKeys = 0;
      }
    }
    return new RewrapProgress(cursor, scanned, rewrapped, already, p.total(), batches, done);
  }

  @Override
  public String raiseMinDecryptionVersion(String name, int version) {
    int[] k = key(name);
    long below = dataKeys.values().stream().filter(v -> v < version).count();
    if (below > 0) {
      throw FailureType.CONFLICT.permanent(below + " data keys still below v" + version);
    }
    calls.add("raise " + name + " to v" + version);
    sleep(raiseRealMillis);
    int was = k[1];
    k[1] = Math.max(k[1], version);
    return "minimum decryption version v" + was + " -> v" + k[1];
  }

  @Override
  public String keepMinDecryptionVersion(String name, int version) {
    int[] k = key(name);
    calls.add("keep " + name + " at v" + version);
    k[1] = version;
    return "minimum decryption version of " + name + " stays v" + version;
  }

  private static void sleep(long millis) {
    if (millis > 0) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
