package dev.rollgate.activities.deploy;

import dev.rollgate.activities.aws.AwsFailures;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.TrafficSplit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ForwardActionConfig;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Listener;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ListenerNotFoundException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.RuleNotFoundException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupNotFoundException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * AWS ALB weighted target groups: the forward action of a listener's default actions ({@code
 * listener/...} ARN) or of a rule ({@code listener-rule/...} ARN). Shares map to weights directly
 * (stable 100 - p, canary p; ALB takes 0..999); other actions and the forward action's stickiness
 * are kept as they are. The local AWS API (moto) accepts any weight and any ARN, so everything is
 * checked here first: a bad weight is never sent.
 */
public class AlbRouter implements TrafficRouter {
  private final ElasticLoadBalancingV2Client elb;

  public AlbRouter(ElasticLoadBalancingV2Client elb) {
    this.elb = elb;
  }

  @Override
  public void validate(Router router) {
    try {
      List<Action> actions = actions(router.scope());
      Action forward = forwardAction(router.scope(), actions);
      String loadBalancer = loadBalancerOf(router.scope());
      for (String arn : List.of(router.stable(), router.canary())) {
        TargetGroup group = targetGroup(arn);
        if (!group.loadBalancerArns().contains(loadBalancer)) {
          throw FailureType.NOT_FOUND.permanent(
              "target group '"
                  + group.targetGroupName()
                  + "' is not attached to load balancer "
                  + loadBalancer
                  + " of "
                  + router.scope());
        }
      }
      Map<String, Integer> weights = weights(forward);
      for (Map.Entry<String, Integer> other : weights.entrySet()) {
        if (!other.getKey().equals(router.stable())
            && !other.getKey().equals(router.canary())
            && other.getValue() > 0) {
          throw FailureType.INVALID_INPUT.permanent(
              router.scope()
                  + " also forwards to "
                  + other.getKey()
                  + " (weight "
                  + other.getValue()
                  + "): the canary's share would not be what is set");
        }
      }
    } catch (SdkClientException e) {
      throw FailureType.UNAVAILABLE.permanent(
          "the AWS ELBv2 API is unreachable: " + FailureType.rootMessage(e));
    } catch (SdkException e) {
      throw translate("validating " + router.scope(), e);
    }
  }

  @Override
  public TrafficSplit read(Router router) {
    try {
      Map<String, Integer> weights =
          weights(forwardAction(router.scope(), actions(router.scope())));
      return TrafficRouter.fromWeights(
          router.scope(),
          weights.getOrDefault(router.stable(), 0),
          weights.getOrDefault(router.canary(), 0));
    } catch (SdkException e) {
      throw translate("reading " + router.scope(), e);
    }
  }

  @Override
  public TrafficSplit shift(Router router, TrafficSplit split) {
    if (split.problem() != null) {
      throw FailureType.INVALID_INPUT.permanent(split.problem());
    }
    try {
      List<Action> actions = actions(router.scope());
      Action forward = forwardAction(router.scope(), actions);
      List<TargetGroupTuple> groups = new ArrayList<>();
      groups.add(tuple(router.stable(), split.stable()));
      groups.add(tuple(router.canary(), split.canary()));
      weights(forward)
          .forEach(
              (arn, weight) -> {
                if (!arn.equals(router.stable()) && !arn.equals(router.canary())) {
                  groups.add(tuple(arn, weight));
                }
              });
      ForwardActionConfig.Builder config =
          forward.forwardConfig() == null
              ? ForwardActionConfig.builder()
              : forward.forwardConfig().toBuilder();
      Action weighted =
          forward.toBuilder()
              .targetGroupArn(null)
              .forwardConfig(config.targetGroups(groups).build())
              .build();
      List<Action> changed = new ArrayList<>();
      for (Action a : actions) {
        changed.add(a == forward ? weighted : a);
      }
      if (isRule(router.scope())) {
        elb.modifyRule(r -> r.ruleArn(router.scope()).actions(changed));
      } else {
        elb.modifyListener(l -> l.listenerArn(router.scope()).defaultActions(changed));
      }
    } catch (SdkException e) {
      throw translate("shifting " + router.scope() + " to " + split, e);
    }
    TrafficSplit now = read(router);
    if (!now.equals(split)) {
      throw FailureType.CONFLICT.transientFailure(
          router.scope() + " reads back " + now + " after setting " + split, null);
    }
    return now;
  }

  private static TargetGroupTuple tuple(String arn, int weight) {
    return TargetGroupTuple.builder().targetGroupArn(arn).weight(weight).build();
  }

  private static boolean isRule(String arn) {
    return arn.contains(":listener-rule/");
  }

  /** The listener's default actions or the rule's actions. */
  private List<Action> actions(String scope) {
    if (isRule(scope)) {
      try {
        List<Rule> rules = elb.describeRules(r -> r.ruleArns(scope)).rules();
        if (rules.isEmpty()) {
          throw FailureType.NOT_FOUND.permanent("no listener rule " + scope);
        }
        return rules.getFirst().actions();
      } catch (RuleNotFoundException e) {
        throw FailureType.NOT_FOUND.permanent("no listener rule " + scope);
      }
    }
    return listener(scope).defaultActions();
  }

  private Listener listener(String arn) {
    try {
      List<Listener> listeners = elb.describeListeners(r -> r.listenerArns(arn)).listeners();
      if (listeners.isEmpty()) {
        throw FailureType.NOT_FOUND.permanent("no listener " + arn);
      }
      return listeners.getFirst();
    } catch (ListenerNotFoundException e) {
      throw FailureType.NOT_FOUND.permanent("no listener " + arn);
    }
  }

  /** The load balancer a listener or rule belongs to (asked of the listener, not guessed). */
  private String loadBalancerOf(String scope) {
    String listenerArn = scope;
    if (isRule(scope)) {
      // arn:...:listener-rule/app/NAME/LB-ID/LISTENER-ID/RULE-ID ->
      // arn:...:listener/app/NAME/LB-ID/LISTENER-ID
      listenerArn =
          scope.substring(0, scope.lastIndexOf('/')).replace(":listener-rule/", ":listener/");
    }
    return listener(listenerArn).loadBalancerArn();
  }

  private TargetGroup targetGroup(String arn) {
    try {
      List<TargetGroup> groups =
          elb.describeTargetGroups(r -> r.targetGroupArns(arn)).targetGroups();
      if (groups.isEmpty()) {
        throw FailureType.NOT_FOUND.permanent("no target group " + arn);
      }
      return groups.getFirst();
    } catch (TargetGroupNotFoundException e) {
      throw FailureType.NOT_FOUND.permanent("no target group " + arn);
    }
  }

  private static Action forwardAction(String scope, List<Action> actions) {
    for (Action a : actions) {
      if (a.type() == ActionTypeEnum.FORWARD) {
        return a;
      }
    }
    throw FailureType.INVALID_INPUT.permanent(
        scope + " has no forward action to weight (actions: " + types(actions) + ")");
  }

  private static String types(List<Action> actions) {
    List<String> types = new ArrayList<>();
    actions.forEach(a -> types.add(a.typeAsString()));
    return String.join(", ", types);
  }

  /** Target group ARN to weight; a forward to a single target group gives it all the traffic. */
  private static Map<String, Integer> weights(Action forward) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    if (forward.forwardConfig() != null && forward.forwardConfig().hasTargetGroups()) {
      for (TargetGroupTuple t : forward.forwardConfig().targetGroups()) {
        weights.put(t.targetGroupArn(), t.weight() == null ? 1 : t.weight());
      }
    } else if (forward.targetGroupArn() != null) {
      weights.put(forward.targetGroupArn(), 1);
    }
    return weights;
  }

  private static RuntimeException translate(String doing, SdkException e) {
    return AwsFailures.translate(doing, e);
  }
}
