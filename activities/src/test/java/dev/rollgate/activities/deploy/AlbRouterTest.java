package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.TrafficSplit;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;

/**
 * Against a real local AWS API (moto_server) through the real SDK: an ALB with a listener and a
 * rule whose forward actions weight two target groups. moto accepts any weight and any ARN, so the
 * refusals asserted here are the router's own.
 */
class AlbRouterTest {
  private static MotoAws moto;
  private static AwsClients aws;
  private static ElasticLoadBalancingV2Client elb;
  private static String loadBalancer;
  private static String listener;
  private static String rule;
  private static String stable;
  private static String canary;
  private static String stray;

  private final TrafficActivitiesImpl activities =
      new TrafficActivitiesImpl(new HaproxyRouter(), new AlbRouter(elb));

  @BeforeAll
  static void createLoadBalancer() throws Exception {
    moto = MotoAws.start(Path.of("target", "alb-router-test"));
    aws = moto.aws;
    elb = moto.elb;
    loadBalancer = moto.loadBalancer;
    stable = moto.targetGroup("blue");
    canary = moto.targetGroup("green");
    stray = moto.targetGroup("stray");
    listener = moto.listener(80, MotoAws.forward(stable, 100, canary, 0));
    rule = moto.rule(listener, 10, "/api/*", MotoAws.forward(stable, 90, canary, 10));
  }

  @AfterAll
  static void stop() {
    if (moto != null) {
      moto.close();
    }
  }

  private static Router on(String scope) {
    return new Router(Router.ALB, null, scope, stable, canary);
  }

  private static Map<String, Integer> weightsOf(String scope) {
    return moto.weightsOf(scope);
  }

  @Test
  void validateAcceptsTheListenerAndTheRule() {
    activities.validate(on(listener));
    activities.validate(on(rule));
  }

  @Test
  void aListenerThatDoesNotExistIsNotFound() {
    String missing = listener.substring(0, listener.lastIndexOf('/') + 1) + "0123456789abcdef";
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(on(missing)));
    assertThat(failure.getType()).isEqualTo("NOT_FOUND");
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).isEqualTo("no listener " + missing);
  }

  @Test
  void aTargetGroupNotOnTheListenersLoadBalancerIsNotFound() {
    Router wrong = new Router(Router.ALB, null, listener, stable, stray);
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(wrong));
    assertThat(failure.getType()).isEqualTo("NOT_FOUND");
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "target group 'stray' is not attached to load balancer "
                + loadBalancer
                + " of "
                + listener);

    String missing = canary.substring(0, canary.lastIndexOf('/') + 1) + "0000000000000000";
    ApplicationFailure gone =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> activities.validate(new Router(Router.ALB, null, rule, stable, missing)));
    assertThat(gone.getType()).isEqualTo("NOT_FOUND");
    assertThat(gone.getOriginalMessage()).isEqualTo("no target group " + missing);
  }

  @Test
  void shiftOnTheListenerSetsTheWeightsAndReadsThemBack() {
    assertThat(activities.shift(on(listener), TrafficSplit.canaryAt(25)))
        .isEqualTo(new TrafficSplit(75, 25));
    assertThat(weightsOf(listener)).containsExactly(Map.entry(stable, 75), Map.entry(canary, 25));
    assertThat(activities.read(on(listener))).isEqualTo(new TrafficSplit(75, 25));

    activities.shift(on(listener), TrafficSplit.ALL_STABLE);
    assertThat(weightsOf(listener)).containsExactly(Map.entry(stable, 100), Map.entry(canary, 0));
  }

  @Test
  void shiftOnARuleKeepsItsConditionsAndLeavesTheListenerAlone() {
    activities.shift(on(listener), TrafficSplit.ALL_STABLE);
    assertThat(activities.read(on(rule))).isEqualTo(new TrafficSplit(90, 10));

    assertThat(activities.shift(on(rule), TrafficSplit.canaryAt(50)))
        .isEqualTo(new TrafficSplit(50, 50));
    assertThat(weightsOf(rule)).containsExactly(Map.entry(stable, 50), Map.entry(canary, 50));
    Rule after = elb.describeRules(r -> r.ruleArns(rule)).rules().getFirst();
    assertThat(after.conditions().getFirst().values()).containsExactly("/api/*");
    assertThat(activities.read(on(listener))).isEqualTo(TrafficSplit.ALL_STABLE);
  }

  @Test
  void badWeightsAreRefusedBeforeAnyCall() {
    activities.shift(on(listener), TrafficSplit.canaryAt(10));
    AtomicInteger calls = new AtomicInteger();
    ExecutionInterceptor counter =
        new ExecutionInterceptor() {
          @Override
          public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes a) {
            calls.incrementAndGet();
          }
        };
    try (ElasticLoadBalancingV2Client counted = moto.elb(counter)) {
      TrafficActivitiesImpl watched =
          new TrafficActivitiesImpl(new HaproxyRouter(), new AlbRouter(counted));
      for (TrafficSplit bad :
          List.of(
              new TrafficSplit(-5, 105), new TrafficSplit(100, 900), new TrafficSplit(50, 40))) {
        ApplicationFailure failure =
            catchThrowableOfType(ApplicationFailure.class, () -> watched.shift(on(listener), bad));
        assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
        assertThat(failure.getOriginalMessage()).contains("add up to 100");
      }
      ApplicationFailure notAnArn =
          catchThrowableOfType(
              ApplicationFailure.class,
              () ->
                  watched.shift(
                      new Router(Router.ALB, null, "listener/web", stable, canary),
                      TrafficSplit.ALL_STABLE));
      assertThat(notAnArn.getType()).isEqualTo("INVALID_INPUT");
      assertThat(calls).hasValue(0);
    }
    assertThat(weightsOf(listener)).containsExactly(Map.entry(stable, 90), Map.entry(canary, 10));
  }

  @Test
  void anUnreachableApiIsUnavailableRetryableInReadButNotAtValidation() {
    AwsClients nowhere =
        new AwsClients(
            URI.create("http://127.0.0.1:" + TestInfra.freePort()), "us-east-1", "test", "test");
    try (ElasticLoadBalancingV2Client down = nowhere.elasticLoadBalancing()) {
      TrafficActivitiesImpl cut =
          new TrafficActivitiesImpl(new HaproxyRouter(), new AlbRouter(down));
      ApplicationFailure read =
          catchThrowableOfType(ApplicationFailure.class, () -> cut.read(on(listener)));
      assertThat(read.getType()).isEqualTo("UNAVAILABLE");
      assertThat(read.isNonRetryable()).isFalse();
      ApplicationFailure validate =
          catchThrowableOfType(ApplicationFailure.class, () -> cut.validate(on(listener)));
      assertThat(validate.getType()).isEqualTo("UNAVAILABLE");
      assertThat(validate.isNonRetryable()).isTrue();
    }
  }
}
