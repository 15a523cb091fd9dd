package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.rollout.FlagActivities;
import dev.rollgate.workflows.rollout.FlagChange;
import dev.rollgate.workflows.rollout.FlagState;
import io.temporal.activity.Activity;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/** A flag store double for workflow tests: idempotent like the real one, and it keeps a log. */
public final class InMemoryFlags implements FlagActivities {
  public record Applied(
      double percent, boolean kill, long atMillis, String key, int attempt, long auditAtMillis) {}

  private final Map<String, FlagState> flags = new ConcurrentHashMap<>();
  private final Map<String, FlagState> byKey = new ConcurrentHashMap<>();
  public final List<Applied> applied = new CopyOnWriteArrayList<>();
  private final LongSupplier clock;

  /** When set, each change is applied and then its first attempt fails, as after a crash. */
  public volatile boolean failFirstAttemptAfterWriting;

  public InMemoryFlags(LongSupplier clock, String... existing) {
    this.clock = clock;
    for (String name : existing) {
      flags.put(name, new FlagState(name, 1, 0, true, false));
    }
  }

  @Override
  public FlagState describe(String flag) {
    FlagState state = flags.get(flag);
    if (state == null) {
      throw FailureType.NOT_FOUND.permanent("flag '" + flag + "' does not exist");
    }
    return state;
  }

  @Override
  public FlagState apply(FlagChange change) {
    FlagState done = byKey.get(change.idempotencyKey());
    if (done != null) {
      return done;
    }
    FlagState old = describe(change.flag());
    FlagState next =
        change.kill()
            ? new FlagState(old.flag(), old.version() + 1, old.percent(), old.enabled(), true)
            : new FlagState(
                old.flag(), old.version() + 1, change.percent(), old.enabled(), old.killed());
    flags.put(change.flag(), next);
    byKey.put(change.idempotencyKey(), next);
    applied.add(
        new Applied(
            change.percent(),
            change.kill(),
            clock.getAsLong(),
            change.idempotencyKey(),
            Activity.getExecutionContext().getInfo().getAttempt(),
            change.auditAtMillis()));
    if (failFirstAttemptAfterWriting
        && Activity.getExecutionContext().getInfo().getAttempt() == 1) {
      throw new IllegalStateException("worker died after the write");
    }
    return next;
  }

  /** A change made outside the rollout (someone's {@code flags set}). */
  public void setByHand(String flag, double percent) {
    FlagState old = flags.get(flag);
    flags.put(flag, new FlagState(flag, old.version() + 1, percent, old.enabled(), old.killed()));
  }

  public FlagState get(String flag) {
    return flags.get(flag);
  }
}
