package dev.rollgate.worker.deploy;

import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.activities.deploy.AlbRouter;
import dev.rollgate.activities.deploy.AllowedHosts;
import dev.rollgate.activities.deploy.EnvironmentActivitiesImpl;
import dev.rollgate.activities.deploy.HaproxyRouter;
import dev.rollgate.activities.deploy.TrafficActivitiesImpl;
import dev.rollgate.activities.secrets.SecretCredentials;
import dev.rollgate.activities.secrets.SecretSource;
import dev.rollgate.worker.RollgateProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * The deployment's traffic routers (HAProxy runtime API, AWS ALB) and environments (ECS), with the
 * AWS clients they use ({@code rollgate.aws.*}; the keys through the {@link SecretSource}: {@code
 * aws/access-key}, {@code aws/secret-key}). The activity beans are registered on the worker by name
 * in application.yaml.
 */
@Configuration(proxyBeanMethods = false)
class DeployRouterConfiguration {

  @Bean
  AwsClients awsClients(RollgateProperties properties, SecretSource secrets) {
    RollgateProperties.Aws aws = properties.aws();
    return new AwsClients(aws.endpoint(), aws.region(), new SecretCredentials(secrets, "aws"));
  }

  @Bean(destroyMethod = "close")
  ElasticLoadBalancingV2Client elasticLoadBalancingClient(AwsClients aws) {
    return aws.elasticLoadBalancing();
  }

  @Bean(destroyMethod = "close")
  EcsClient ecsClient(AwsClients aws) {
    return aws.ecs();
  }

  @Bean
  TrafficActivitiesImpl trafficActivities(ElasticLoadBalancingV2Client elb) {
    return new TrafficActivitiesImpl(new HaproxyRouter(), new AlbRouter(elb));
  }

  @Bean
  EnvironmentActivitiesImpl environmentActivities(EcsClient ecs, RollgateProperties properties) {
    return new EnvironmentActivitiesImpl(ecs, new AllowedHosts(properties.deploy().allowedHosts()));
  }
}
