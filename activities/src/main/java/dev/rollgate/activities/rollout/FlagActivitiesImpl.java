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

/** The flag store as rollouts use it: PostgreSQL first, then Redis for every client. */
public class FlagActivitiesImpl implements FlagActivities {
  private final FlagStore store;
  private final FlagPublisher publisher;
  private final Counter changes;

  public FlagActivitiesImpl(FlagStore store, FlagPublisher publisher, MeterRegistry metrics) {
    this.store = store;
    this.publisher = publisher;
    this.changes =
        Counter.builder("rollgate.flag.changes")
            .description("Flag versions written by workflows")
            .register(metrics);
  }

  @Override
  public FlagState describe(String flag) {
    String problem = FlagNames.validate(flag);
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
    try {
      FlagStore.Applied applied =
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
                  workflowId));
      // always publish, also for a replayed key: the earlier attempt may have died before Redis
      publisher.publish(applied.definition());
      if (applied.written()) {
        changes.increment();
      }
      return state(applied.definition());
    } catch (RuntimeException e) {
      throw Failures.translate("changing flag " + change.flag(), e);
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
