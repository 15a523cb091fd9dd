package dev.rollgate.worker.rollout;

import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps Redis's flag snapshot complete: PostgreSQL is the source of truth, and a restarted Redis
 * comes back empty. Runs at start, at once whenever the publisher's Redis connection is
 * re-established (so flags changed or lost during an outage are back within about a second of
 * Redis), and every {@code rollgate.flags.reseed-interval} (60 s) as a safety net; only versions
 * Redis lacks are written, and flags deleted while Redis was away are removed from it (their
 * deletion announced to the clients).
 */
@Component
class FlagCacheReseeder {
  private static final Logger log = LoggerFactory.getLogger(FlagCacheReseeder.class);
  private final FlagStore store;
  private final FlagPublisher publisher;

  FlagCacheReseeder(FlagStore store, FlagPublisher publisher) {
    this.store = store;
    this.publisher = publisher;
    publisher.reseedOnReconnect(store::list, store::deletions);
  }

  @Scheduled(initialDelay = 0, fixedDelayString = "${rollgate.flags.reseed-interval:60s}")
  void reseed() {
    try {
      int written = publisher.reseed(store.list(), store.deletions());
      if (written > 0) {
        log.info("reseeded {} flag version(s) or deletion(s) into Redis from PostgreSQL", written);
      }
    } catch (RuntimeException e) {
      log.warn("flag reseed failed (will retry): {}", e.getMessage());
    }
  }
}
