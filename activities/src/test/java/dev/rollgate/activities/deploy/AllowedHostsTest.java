package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedHostsTest {

  @Test
  void byDefaultOnlyLoopbackIsAllowed() {
    AllowedHosts hosts = new AllowedHosts(List.of());
    assertThat(hosts.problem("http://127.0.0.1:8080/health")).isNull();
    assertThat(hosts.problem("http://localhost/")).isNull();
    assertThat(hosts.problem("http://[::1]:9000/")).isNull();
    assertThat(hosts.problem("http://169.254.169.254/latest/meta-data/"))
        .isEqualTo(
            "deployment URL http://169.254.169.254/latest/meta-data/ is refused: host"
                + " '169.254.169.254' is not in the worker's rollgate.deploy.allowed-hosts"
                + " (localhost, 127.0.0.1, ::1)");
  }

  @Test
  void namesDomainsAndAnyHostAreEntries() {
    AllowedHosts hosts = new AllowedHosts(List.of("API.internal", "*.svc.cluster.local"));
    assertThat(hosts.problem("https://api.internal/x")).isNull();
    assertThat(hosts.problem("http://green.shop.svc.cluster.local:8080")).isNull();
    assertThat(hosts.problem("http://svc.cluster.local.evil.com/")).contains("is refused");
    assertThat(hosts.problem("http://127.0.0.1/")).contains("is refused");
    assertThat(new AllowedHosts(List.of("*")).problem("http://anything.example/")).isNull();
    assertThat(hosts.problem("http:///nohost")).contains("names no host");
  }

  @Test
  void theEnvironmentActivityRefusesTheFirstUrlNotAllowedAsPermanentBadInput() {
    EnvironmentActivitiesImpl activities =
        new EnvironmentActivitiesImpl(null, new AllowedHosts(List.of("lb.internal")));
    activities.checkUrls(List.of("http://lb.internal/", "https://lb.internal:8443/"));
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> activities.checkUrls(List.of("http://lb.internal/", "http://10.0.0.9:8080/")));
    assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("http://10.0.0.9:8080/ is refused");
  }
}
