package dev.rollgate.workflows.testing.deploy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes the next call of a fake activity slow: once armed, the next call waits inside the activity
 * until the test releases it, and only then has its effect (a router or an ECS service that takes
 * its time). Lets a test interleave an operator's verb with a change in flight.
 */
public final class SlowCall {
  private final AtomicBoolean armed = new AtomicBoolean();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** The next call waits for {@link #release()}. */
  public void arm() {
    armed.set(true);
  }

  /** Whether the armed call has started (and is waiting). */
  public boolean entered() {
    return entered.getCount() == 0;
  }

  public void release() {
    released.countDown();
  }

  /** Called by the fake at the start of the call: waits when this is the armed call. */
  void pass() {
    if (!armed.compareAndSet(true, false)) {
      return;
    }
    entered.countDown();
    try {
      if (!released.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the slow call was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
