package dev.rollgate.workflows.testing.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.TrafficActivities;
import dev.rollgate.workflows.deploy.TrafficSplit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/** An in-memory router: the split per scope, every shift with its time, and ways to misbehave. */
public final class FakeTraffic implements TrafficActivities {
  public final Map<String, TrafficSplit> splits = new ConcurrentHashMap<>();
  public final List<TrafficSplit> shifts = new CopyOnWriteArrayList<>();
  public final List<Long> shiftTimes = new CopyOnWriteArrayList<>();
  public final AtomicInteger validations = new AtomicInteger();
  public final AtomicInteger reads = new AtomicInteger();

  /** When set, every read answers this (a router that does not do what it is told). */
  public final AtomicReference<TrafficSplit> lyingRead = new AtomicReference<>();

  /** Arm it to make the next shift slow: it lands only once released. */
  public final SlowCall slowShift = new SlowCall();

  private final LongSupplier clock;

  public FakeTraffic(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public void validate(Router router) {
    validations.incrementAndGet();
    if (router.scope().startsWith("missing")) {
      throw FailureType.NOT_FOUND.permanent("backend '" + router.scope() + "' does not exist");
    }
  }

  @Override
  public TrafficSplit read(Router router) {
    reads.incrementAndGet();
    TrafficSplit lie = lyingRead.get();
    return lie != null ? lie : splits.getOrDefault(router.scope(), TrafficSplit.ALL_STABLE);
  }

  @Override
  public TrafficSplit shift(Router router, TrafficSplit split) {
    slowShift.pass();
    splits.put(router.scope(), split);
    shifts.add(split);
    shiftTimes.add(clock.getAsLong());
    return split;
  }

  /** Server states by server name (UP when absent), as a person or a health check sets them. */
  public final Map<String, String> states = new ConcurrentHashMap<>();

  @Override
  public List<ServerState> servers(Router router) {
    return List.of(
        new ServerState("stable", router.stable(), states.getOrDefault(router.stable(), "UP")),
        new ServerState("canary", router.canary(), states.getOrDefault(router.canary(), "UP")));
  }

  /** Changes the weights behind Rollgate's back (an HAProxy reload, a person). */
  public void drift(String scope, TrafficSplit split) {
    splits.put(scope, split);
  }

  public TrafficSplit split(String scope) {
    return splits.getOrDefault(scope, TrafficSplit.ALL_STABLE);
  }
}
