package dev.rollgate.worker.rollout;

import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.flags.FlagType;
import dev.rollgate.workflows.FailureType;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Gauge {@code rollgate.flags.stale} (Prometheus {@code rollgate_flags_stale}), tag {@code type}:
 * how many flags of each type with an expected lifetime are older than it ({@link
 * FlagStore#stale()}; the list: {@code rollgate flags stale}). Read from PostgreSQL at most once a
 * {@link #MAX_AGE_MILLIS} whatever the scrape rate; NaN while the store cannot be read.
 */
@Component
class StaleFlagsMetric {
  private static final Logger log = LoggerFactory.getLogger(StaleFlagsMetric.class);

  /** How long one count is served before the store is read again. */
  static final long MAX_AGE_MILLIS = 30_000;

  private final FlagStore store;
  private final Clock clock;
  private Map<FlagType, Long> counts;
  private long readAtMillis;

  StaleFlagsMetric(FlagStore store, Clock clock, MeterRegistry registry) {
    this.store = store;
    this.clock = clock;
    for (FlagType type : FlagType.values()) {
      if (type.lifetime().isPresent()) {
        Gauge.builder("rollgate.flags.stale", this, m -> m.count(type))
            .description("flags older than their type's expected lifetime (rollgate flags stale)")
            .tag("type", type.id())
            // Micrometer holds a gauge's object weakly: a metric nobody else keeps (a test's)
            // would read NaN after the next GC
            .strongReference(true)
            .register(registry);
      }
    }
  }

  private synchronized double count(FlagType type) {
    long now = clock.millis();
    if (counts == null || now - readAtMillis >= MAX_AGE_MILLIS || now < readAtMillis) {
      try {
        Map<FlagType, Long> fresh = new EnumMap<>(FlagType.class);
        store.stale().forEach(l -> fresh.merge(l.definition().type(), 1L, Long::sum));
        counts = fresh;
        readAtMillis = now;
      } catch (RuntimeException e) {
        log.warn(
            "rollgate.flags.stale: cannot read the flag store: {}", FailureType.rootMessage(e));
        counts = null;
        return Double.NaN;
      }
    }
    return counts.getOrDefault(type, 0L);
  }
}
