package dev.rollgate.activities.deploy;

import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.aws.AwsClients;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * A real local AWS API (moto_server) with an ALB in moto's default VPC, for the tests that drive
 * ELBv2 and ECS through the real SDK: target groups, listeners and rules with weighted forward
 * actions, the weights as the API reports them, and clients that count their calls.
 */
final class MotoAws implements AutoCloseable {
  private final ManagedProcess moto;
  final AwsClients aws;
  final ElasticLoadBalancingV2Client elb;
  final String vpc;
  final String loadBalancer;

  private MotoAws(ManagedProcess moto, AwsClients aws) {
    this.moto = moto;
    this.aws = aws;
    this.elb = aws.elasticLoadBalancing();
    List<Subnet> subnets;
    try (Ec2Client ec2 = aws.configure(Ec2Client.builder()).build()) {
      subnets = ec2.describeSubnets().subnets(); // moto's default VPC
    }
    this.vpc = subnets.getFirst().vpcId();
    this.loadBalancer =
        elb.createLoadBalancer(
                r -> r.name("web").subnets(subnets.get(0).subnetId(), subnets.get(1).subnetId()))
            .loadBalancers()
            .getFirst()
            .loadBalancerArn();
  }

  /** Starts moto_server on a free port (log under {@code dir}) and creates the load balancer. */
  static MotoAws start(Path dir) throws IOException {
    int port = TestInfra.freePort();
    ManagedProcess moto = ManagedProcess.motoServer(port, dir.resolve("moto.log"));
    try {
      return new MotoAws(
          moto,
          new AwsClients(URI.create("http://127.0.0.1:" + port), "us-east-1", "test", "test"));
    } catch (RuntimeException e) {
      moto.close();
      throw e;
    }
  }

  String targetGroup(String name) {
    return elb.createTargetGroup(
            r -> r.name(name).protocol(ProtocolEnum.HTTP).port(8080).vpcId(vpc))
        .targetGroups()
        .getFirst()
        .targetGroupArn();
  }

  String listener(int port, Action defaultAction) {
    return elb.createListener(
            r ->
                r.loadBalancerArn(loadBalancer)
                    .protocol(ProtocolEnum.HTTP)
                    .port(port)
                    .defaultActions(defaultAction))
        .listeners()
        .getFirst()
        .listenerArn();
  }

  String rule(String listener, int priority, String pathPattern, Action action) {
    return elb.createRule(
            r ->
                r.listenerArn(listener)
                    .priority(priority)
                    .conditions(c -> c.field("path-pattern").values(pathPattern))
                    .actions(action))
        .rules()
        .getFirst()
        .ruleArn();
  }

  static Action forward(String stable, int stableWeight, String canary, int canaryWeight) {
    return Action.builder()
        .type(ActionTypeEnum.FORWARD)
        .forwardConfig(
            f ->
                f.targetGroups(
                    TargetGroupTuple.builder().targetGroupArn(stable).weight(stableWeight).build(),
                    TargetGroupTuple.builder().targetGroupArn(canary).weight(canaryWeight).build()))
        .build();
  }

  /** Target group ARN to weight, as the API reports the listener's or rule's forward action. */
  Map<String, Integer> weightsOf(String scope) {
    List<Action> actions =
        scope.contains(":listener-rule/")
            ? elb.describeRules(r -> r.ruleArns(scope)).rules().getFirst().actions()
            : elb.describeListeners(r -> r.listenerArns(scope))
                .listeners()
                .getFirst()
                .defaultActions();
    Map<String, Integer> weights = new LinkedHashMap<>();
    actions
        .getFirst()
        .forwardConfig()
        .targetGroups()
        .forEach(t -> weights.put(t.targetGroupArn(), t.weight()));
    return weights;
  }

  /** An ELBv2 client of its own whose calls {@code interceptor} sees (e.g. to count them). */
  ElasticLoadBalancingV2Client elb(ExecutionInterceptor interceptor) {
    return aws.configure(ElasticLoadBalancingV2Client.builder())
        .overrideConfiguration(c -> c.addExecutionInterceptor(interceptor))
        .build();
  }

  /** An ECS client of its own whose calls {@code interceptor} sees. */
  EcsClient ecs(ExecutionInterceptor interceptor) {
    return aws.configure(EcsClient.builder())
        .overrideConfiguration(c -> c.addExecutionInterceptor(interceptor))
        .build();
  }

  @Override
  public void close() {
    elb.close();
    moto.close();
  }
}
