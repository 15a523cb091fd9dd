package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.TrafficSplit;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * Against a real local AWS API (moto_server) through the real SDK: an ALB with a listener and a
 * rule whose forward actions weight two target groups. moto accepts any weight and any ARN, so the
 * refusals asserted here are the router's own.
 */
class AlbRouterTest {
  private static ManagedProcess moto;
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
    int port = TestInfra.freePort();
    moto = ManagedProcess.motoServer(port, Path.of("target", "alb-router-test", "moto.log"));
    aws = new AwsClients(URI.create("http://127.0.0.1:" + port), "us-east-1", "test", "test");
    elb = aws.elasticLoadBalancing();
    List<Subnet> subnets;
    try (Ec2Client ec2 =
        Ec2Client.builder()
            .endpointOverride(aws.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build()) {
      subnets = ec2.describeSubnets().subnets(); // moto's default VPC
    }
    String vpc = subnets.getFirst().vpcId();
    loadBalancer =
        elb.createLoadBalancer(
                r -> r.name("web").subnets(subnets.get(0).subnetId(), subnets.get(1).subnetId()))
            .loadBalancers()
            .getFirst()
            .loadBalancerArn();
    stable = targetGroup("blue", vpc);
    canary = targetGroup("green", vpc);
    stray = targetGroup("stray", vpc);
    listener =
        elb.createListener(
                r ->
                    r.loadBalancerArn(loadBalancer)
                        .protocol(ProtocolEnum.HTTP)
                        .port(80)
                        .defaultActions(forward(100, 0)))
            .listeners()
            .getFirst()
            .listenerArn();
    rule =
        elb.createRule(
                r ->
                    r.listenerArn(listener)
                        .priority(10)
                        .conditions(c -> c.field("path-pattern").values("/api/*"))
                        .actions(forward(90, 10)))
            .rules()
            .getFirst()
            .ruleArn();
  }

  private static String targetGroup(String name, String vpc) {
    return elb.createTargetGroup(
            r -> r.name(name).protocol(ProtocolEnum.HTTP).port(8080).vpcId(vpc))
        .targetGroups()
        .getFirst()
        .targetGroupArn();
  }

  private static Action forward(int stableWeight, int canaryWeight) {
    return Action.builder()
        .type(ActionTypeEnum.FORWARD)
        .forwardConfig(
            f ->
                f.targetGroups(
                    TargetGroupTuple.builder().targetGroupArn(stable).weight(stableWeight).build(),
                    TargetGroupTuple.builder().targetGroupArn(canary).weight(canaryWeight).build()))
        .build();
  }

  @AfterAll
  static void stop() {
    if (elb != null) {
      elb.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static Router on(String scope) {
    return new Router(Router.ALB, null, scope, stable, canary);
  }

  /** Target group ARN to weight, as the API reports the listener's or rule's forward action. */
  private static Map<String, Integer> weightsOf(String scope) {
    List<Action> actions =
        scope.equals(listener)
            ? elb.describeListeners(r -> r.listenerArns(scope))
                .listeners()
                .getFirst()
                .defaultActions()
            : elb.describeRules(r -> r.ruleArns(scope)).rules().getFirst().actions();
    Map<String, Integer> weights = new LinkedHashMap<>();
    actions
        .getFirst()
        .forwardConfig()
        .targetGroups()
        .forEach(t -> weights.put(t.targetGroupArn(), t.weight()));
    return weights;
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
    try (ElasticLoadBalancingV2Client counted =
        ElasticLoadBalancingV2Client.builder()
            .endpointOverride(aws.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .overrideConfiguration(c -> c.addExecutionInterceptor(counter))
            .build()) {
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
