package dev.rollgate.flags;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** How long a condition took to hold, measured with Awaitility polling every millisecond. */
final class Await {

  private Await() {}

  /** Milliseconds it took until {@code condition} held, or -1 when the deadline passed first. */
  static long millisUntil(Duration deadline, BooleanSupplier condition) {
    long start = System.nanoTime();
    try {
      Awaitility.await()
          .atMost(deadline)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .until(condition::getAsBoolean);
      return (System.nanoTime() - start) / 1_000_000;
    } catch (ConditionTimeoutException e) {
      return -1;
    }
  }
}
