package dev.rollgate.activities.rollout;

import dev.rollgate.activities.Failures;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.rollout.FlagActivities;
import dev.rollgate.workflows.rollout.FlagChange;
import dev.rollgate.workflows.rollout.FlagState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.activity.Activity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flag store as rollouts use it: PostgreSQL first, then Redis for every client.
 *
 * <p>PostgreSQL is the source of truth: a change it committed is a change made, so {@link #apply}
 * succeeds even when Redis cannot be reached to publish it. It logs a warning and counts {@code
 * rollgate.flag.publish.pending}; the publisher's reconnect reseed (at once when Redis is back) and
 * the periodic reseed publish the version then. Failing the activity instead would have the
 * workflow report a change as failed that is in fact in force for every reader of PostgreSQL, and
 * retry a step that already happened.
 */
public class FlagActivitiesImpl implements FlagActivities {
  private static final Logger log = LoggerFactory.getLogger(FlagActivitiesImpl.class);
  private final FlagStore store;
  private final FlagPublisher publisher;
  private final Counter changes;
  private final Counter publishPending;

  public FlagActivitiesImpl(FlagStore store, FlagPublisher publisher, MeterRegistry metrics) {
    this.store = store;
    this.publisher = publisher;
    this.changes =
        Counter.builder("rollgate.flag.changes")
            .description("Flag versions written by workflows")
            .register(metrics);
    this.publishPending =
        Counter.builder("rollgate.flag.publish.pending")
            .description("Committed flag versions whose publication to Redis waits for Redis")
            .register(metrics);
  }

  @Override
  public FlagState describe(String flag) {
    String problem = FlagNames.problem(flag);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    try {
      return store
          .find(flag)
          .map(FlagActivitiesImpl::state)
          .orElseThrow(
              () ->
                  FailureType.NOT_FOUND.permanent(
                      "flag '"
                          + flag
                          + "' does not exist (create it with: rollgate flags set "
                          + flag
                          + ")"));
    } catch (RuntimeException e) {
      throw Failures.translate("reading flag " + flag, e);
    }
  }

  @Override
  public FlagState apply(FlagChange change) {
    String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
    FlagStore.Applied applied;
    try {
      applied =
          store.apply(
              new FlagStore.Change(
                  change.flag(),
                  def ->
                      change.kill()
                          ? def.withKilled(true)
                          : def.withRolloutBasisPoints(basisPoints(change.percent())),
                  false,
                  change.idempotencyKey(),
                  change.actor(),
                  change.reason(),
                  workflowId),
              change.auditAtMillis());
    } catch (RuntimeException e) {
      throw Failures.translate("changing flag " + change.flag(), e);
    }
    if (applied.written()) {
      changes.increment();
    }
    // always publish, also for a replayed key: the earlier attempt may have died before Redis
    publishOrLeavePending(applied.definition());
    return state(applied.definition());
  }

  private void publishOrLeavePending(FlagDefinition flag) {
    try {
      publisher.publish(flag);
    } catch (RuntimeException e) {
      publishPending.increment();
      log.warn(
          "flag {} v{} is saved in PostgreSQL but Redis could not be reached ({}); it is"
              + " published when Redis is back",
          flag.name(),
          flag.version(),
          FailureType.rootMessage(e));
    }
  }

  static int basisPoints(double percent) {
    return (int) Math.round(percent * 100);
  }

  static FlagState state(FlagDefinition def) {
    return new FlagState(
        def.name(), def.version(), def.rolloutPercent(), def.enabled(), def.killed());
  }
}
