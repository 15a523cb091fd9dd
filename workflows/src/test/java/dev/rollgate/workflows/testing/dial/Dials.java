package dev.rollgate.workflows.testing.dial;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory dials: what a dial is set to, and every write. */
public final class Dials implements DialActivities {
  public final Map<String, Integer> value = new ConcurrentHashMap<>();
  public final List<String> writes = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> byKey = new ConcurrentHashMap<>();

  /** Values the dial refuses (a permanent failure), e.g. to fail a step or an undo. */
  public final List<Integer> refused = new CopyOnWriteArrayList<>();

  @Override
  public int set(String dial, int v, String key) {
    Integer done = byKey.get(key);
    if (done != null) {
      return done;
    }
    if (refused.contains(v)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "dial " + dial + " refuses " + v, "INVALID_INPUT");
    }
    value.put(dial, v);
    byKey.put(key, v);
    writes.add(dial + "=" + v);
    return v;
  }
}
