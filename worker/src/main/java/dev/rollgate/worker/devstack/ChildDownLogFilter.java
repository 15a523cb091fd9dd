package dev.rollgate.worker.devstack;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * While the dev stack knows its Temporal server is down (and is restarting it), drops the Temporal
 * SDK's WARN/ERROR lines: every poller of every worker logs each failed poll with a stack trace,
 * hundreds of lines that only repeat what the supervisor already said once. On recovery one line
 * says how many were dropped. Outside the dev stack, or while Temporal is up, nothing is dropped.
 *
 * <p>"Down" includes the moment between the server's death and the supervisor noticing it: a killed
 * server's connections break at once, so each poller's first failure ("Failure in poller thread",
 * one per poller) arrives before the JDK has reaped the process. A Temporal client warning while
 * the server is thought up is therefore dropped too when its port refuses connections.
 */
final class ChildDownLogFilter extends TurboFilter {
  private static final Logger log = LoggerFactory.getLogger(ChildDownLogFilter.class);
  // the SDK's gRPC channel reconnects with backoff: polls keep failing for a few seconds after
  static final Duration SETTLE = Duration.ofSeconds(10);
  private final DevStack stack;
  private final AtomicLong dropped = new AtomicLong();
  // when a warning was dropped because the port refused connections before the supervisor knew
  private volatile long unreachableAt;

  ChildDownLogFilter(DevStack stack) {
    this.stack = stack;
  }

  static void install(DevStack stack) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      ChildDownLogFilter filter = new ChildDownLogFilter(stack);
      filter.setName("rollgate-dev-stack-child-down");
      filter.start();
      context.addTurboFilter(filter);
    }
  }

  @Override
  public FilterReply decide(
      Marker marker,
      ch.qos.logback.classic.Logger logger,
      Level level,
      String format,
      Object[] params,
      Throwable t) {
    boolean temporalDown = stack.isDownOrSettling("temporal", SETTLE);
    if (temporalDown) {
      unreachableAt = 0; // the supervisor has caught up
    }
    long since = unreachableAt;
    boolean unreachableLately = since != 0 && System.nanoTime() - since < SETTLE.toNanos();
    if (!temporalDown && !unreachableLately && dropped.get() > 0) {
      // checked on any logging call, so the summary comes soon after Temporal settles
      log.info(
          "dev stack: dropped {} Temporal client warnings while the server was down",
          dropped.getAndSet(0));
    }
    if (level != null && level.isGreaterOrEqual(Level.WARN) && isTemporalClient(logger)) {
      if (!temporalDown && stack.isUnreachable("temporal")) {
        unreachableAt = System.nanoTime();
        temporalDown = true;
      }
      if (temporalDown) {
        dropped.incrementAndGet();
        return FilterReply.DENY;
      }
    }
    return FilterReply.NEUTRAL;
  }

  private static boolean isTemporalClient(ch.qos.logback.classic.Logger logger) {
    String name = logger.getName();
    return name.startsWith("io.temporal.") || name.startsWith("io.grpc.");
  }
}
