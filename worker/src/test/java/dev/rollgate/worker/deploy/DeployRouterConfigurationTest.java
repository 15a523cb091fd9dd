package dev.rollgate.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.activities.deploy.EnvironmentActivitiesImpl;
import dev.rollgate.activities.deploy.TrafficActivitiesImpl;
import dev.rollgate.worker.RollgateProperties;
import dev.rollgate.worker.secrets.SecretSourceConfiguration;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code rollgate.aws.*} binds and the deployment's activity beans exist under their names. */
class DeployRouterConfigurationTest {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(RollgateProperties.class)
  static class Properties {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withUserConfiguration(
              Properties.class, SecretSourceConfiguration.class, DeployRouterConfiguration.class);

  @Test
  void awsSettingsBindAndTheActivityBeansAreNamedForTheWorker() {
    runner
        .withPropertyValues(
            "rollgate.aws.endpoint=http://127.0.0.1:5000",
            "rollgate.aws.region=eu-west-1",
            "rollgate.aws.access-key=test",
            "rollgate.aws.secret-key=secret")
        .run(
            context -> {
              AwsClients aws = context.getBean(AwsClients.class);
              assertThat(aws.endpoint()).isEqualTo(URI.create("http://127.0.0.1:5000"));
              assertThat(aws.region()).isEqualTo("eu-west-1");
              // the keys through the secret source (here: the configuration)
              assertThat(aws.credentials().resolveCredentials().accessKeyId()).isEqualTo("test");
              assertThat(aws.credentials().resolveCredentials().secretAccessKey())
                  .isEqualTo("secret");
              assertThat(context.getBean("trafficActivities"))
                  .isInstanceOf(TrafficActivitiesImpl.class);
              assertThat(context.getBean("environmentActivities"))
                  .isInstanceOf(EnvironmentActivitiesImpl.class);
            });
  }

  @Test
  void allowedHostsBindAndTheEnvironmentActivityRefusesOthers() {
    runner
        .withPropertyValues("rollgate.deploy.allowed-hosts=lb.internal,*.svc.local")
        .run(
            context -> {
              EnvironmentActivitiesImpl env = context.getBean(EnvironmentActivitiesImpl.class);
              env.checkUrls(List.of("http://lb.internal/", "http://green.svc.local:8080/"));
              assertThatThrownBy(() -> env.checkUrls(List.of("http://127.0.0.1/")))
                  .hasMessageContaining("'127.0.0.1' is not in the worker's");
            });
    runner.run(
        context ->
            assertThat(context.getBean(RollgateProperties.class).deploy().allowedHosts())
                .containsExactly("localhost", "127.0.0.1", "::1"));
  }

  @Test
  void withoutSettingsTheRegionIsUsEast1AndTheEndpointAwsItself() {
    runner.run(
        context -> {
          AwsClients aws = context.getBean(AwsClients.class);
          assertThat(aws.region()).isEqualTo("us-east-1");
          assertThat(aws.endpoint()).isNull();
        });
  }
}
