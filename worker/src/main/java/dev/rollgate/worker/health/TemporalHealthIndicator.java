package dev.rollgate.worker.health;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** {@code temporal} component of {@code /actuator/health}: the server and namespace answer. */
@Component("temporal")
class TemporalHealthIndicator extends AbstractHealthIndicator {
  private final WorkflowServiceStubs service;
  private final String namespace;
  private final String target;

  TemporalHealthIndicator(
      WorkflowServiceStubs service,
      @Value("${spring.temporal.namespace:default}") String namespace,
      @Value("${spring.temporal.connection.target}") String target) {
    super("Temporal health check failed");
    this.service = service;
    this.namespace = namespace;
    this.target = target;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    var stub = service.blockingStub().withDeadlineAfter(3, TimeUnit.SECONDS);
    var info = stub.getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    stub.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
    builder
        .up()
        .withDetail("target", target)
        .withDetail("namespace", namespace)
        .withDetail("serverVersion", info.getServerVersion());
  }
}
