package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.TrafficSplit;
import java.util.List;

/**
 * One kind of traffic router (after Flagger's {@code pkg/router}): check it, read the shares it
 * applies, set them and read them back. The router and the split given are well formed ({@link
 * Router#problem()} and {@link TrafficSplit#problem()} are null): {@link TrafficActivitiesImpl}
 * checks that before any call.
 */
interface TrafficRouter {
  /** Non-retryable NOT_FOUND / INVALID_INPUT / UNAVAILABLE when the router cannot be used. */
  void validate(Router router);

  /** The shares the router applies now, as it reports them (never what was last set). */
  TrafficSplit read(Router router);

  /** Sets the shares, reads them back, and fails retryably when the read-back differs. */
  TrafficSplit shift(Router router, TrafficSplit split);

  /** Both sides' servers as the router reports them ({@link ServerState#UP} or why not). */
  default List<ServerState> servers(Router router) {
    return List.of(
        new ServerState("stable", router.stable(), ServerState.UP),
        new ServerState("canary", router.canary(), ServerState.UP));
  }

  /** Shares in percent from two weights, as the router divides traffic between them. */
  static TrafficSplit fromWeights(String where, int stable, int canary) {
    int total = stable + canary;
    if (stable < 0 || canary < 0 || total == 0) {
      throw dev.rollgate.workflows.FailureType.CONFLICT.permanent(
          where
              + " has weights "
              + stable
              + "/"
              + canary
              + ": no side gets traffic; set them by hand or roll back");
    }
    if (total == 100) {
      return new TrafficSplit(stable, canary);
    }
    int canaryShare = (int) Math.round(100.0 * canary / total);
    return new TrafficSplit(100 - canaryShare, canaryShare);
  }
}
