package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.TrafficActivities;
import dev.rollgate.workflows.deploy.TrafficSplit;
import java.util.List;

/**
 * {@link TrafficActivities} over HAProxy's runtime API and AWS ALB weighted target groups, chosen
 * by {@link Router#type()}. A malformed router or split is refused here, before any call.
 */
public class TrafficActivitiesImpl implements TrafficActivities {
  private final TrafficRouter haproxy;
  private final TrafficRouter alb;

  public TrafficActivitiesImpl(HaproxyRouter haproxy, AlbRouter alb) {
    this.haproxy = haproxy;
    this.alb = alb;
  }

  @Override
  public void validate(Router router) {
    routerFor(router).validate(router);
  }

  @Override
  public TrafficSplit read(Router router) {
    return routerFor(router).read(router);
  }

  @Override
  public TrafficSplit shift(Router router, TrafficSplit split) {
    TrafficRouter target = routerFor(router);
    String problem = split == null ? "no traffic split given" : split.problem();
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    return target.shift(router, split);
  }

  @Override
  public List<ServerState> servers(Router router) {
    return routerFor(router).servers(router);
  }

  private TrafficRouter routerFor(Router router) {
    String problem = router == null ? "no router given" : router.problem();
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    return switch (router.type()) {
      case Router.HAPROXY -> haproxy;
      case Router.ALB -> {
        if (alb == null) {
          throw FailureType.INVALID_INPUT.permanent(
              "this worker has no AWS settings (rollgate.aws.*): it cannot drive an alb router");
        }
        yield alb;
      }
      default ->
          throw FailureType.INVALID_INPUT.permanent("unknown router '" + router.type() + "'");
    };
  }
}
