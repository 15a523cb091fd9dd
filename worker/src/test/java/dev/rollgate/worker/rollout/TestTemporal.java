package dev.rollgate.worker.rollout;

import dev.rollgate.workflows.RollgateSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.net.ServerSocket;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A real Temporal frontend (the Java test server, port-bound) for the flag API's web slices, where
 * {@link FlagOwners} asks whether a rollout runs.
 */
@TestConfiguration(proxyBeanMethods = false)
class TestTemporal {
  /** The server and the port it listens on. */
  record Server(TestServer.PortBoundTestServer server, String target) implements AutoCloseable {
    @Override
    public void close() {
      server.close();
    }
  }

  @Bean(destroyMethod = "close")
  Server temporalServer() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return new Server(TestServer.createPortBoundServer(port), "127.0.0.1:" + port);
  }

  /** Stubs on that server, where Rollgate's phase search attribute is registered. */
  @Bean(destroyMethod = "shutdownNow")
  WorkflowServiceStubs temporalStubs(Server temporalServer) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporalServer.target()).build());
    OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults())
        .blockingStub()
        .addSearchAttributes(
            AddSearchAttributesRequest.newBuilder()
                .setNamespace("default")
                .putSearchAttributes(
                    RollgateSearchAttributes.PHASE.getName(),
                    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                .build());
    return service;
  }
}
