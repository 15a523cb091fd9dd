package dev.rollgate.starter.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A checked connection to Temporal: reachable within seconds and the namespace exists. */
public final class TemporalConnection implements AutoCloseable {
  static final Duration RPC_TIMEOUT = Duration.ofSeconds(5);

  public final ConnectionOptions options;
  public final WorkflowServiceStubs service;
  public final WorkflowClient client;
  public final GetSystemInfoResponse systemInfo;

  private TemporalConnection(
      ConnectionOptions options,
      WorkflowServiceStubs service,
      WorkflowClient client,
      GetSystemInfoResponse info) {
    this.options = options;
    this.service = service;
    this.client = client;
    this.systemInfo = info;
  }

  public static TemporalConnection open(ConnectionOptions options) {
    checkAddress(options.address);
    WorkflowServiceStubsOptions.Builder builder =
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(options.address)
            .setRpcTimeout(RPC_TIMEOUT)
            .setRpcQueryTimeout(RPC_TIMEOUT)
            .setRpcLongPollTimeout(Duration.ofSeconds(70));
    if (options.apiKey != null && !options.apiKey.isBlank()) {
      String key = options.apiKey;
      builder.setEnableHttps(true).addApiKey(() -> key);
    }
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(builder.build());
    try {
      GetSystemInfoResponse info =
          blocking(service).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      blocking(service)
          .describeNamespace(
              DescribeNamespaceRequest.newBuilder().setNamespace(options.namespace).build());
      WorkflowClient client =
          WorkflowClient.newInstance(
              service,
              WorkflowClientOptions.newBuilder()
                  .setNamespace(options.namespace)
                  // the worker may encrypt payloads (OpenBao): decode them through its /codec
                  .setDataConverter(
                      new CodecDataConverter(
                          GlobalDataConverter.get(),
                          List.of(
                              new RemoteCodec(
                                  options.workerUrl,
                                  options.namespace,
                                  System.getenv("ROLLGATE_CODEC_TOKEN")))))
                  .build());
      return new TemporalConnection(options, service, client, info);
    } catch (StatusRuntimeException e) {
      service.shutdownNow();
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new CliException(
            "namespace '" + options.namespace + "' does not exist on " + options.address);
      }
      throw new CliException(
          "cannot reach Temporal at "
              + options.address
              + " ("
              + e.getStatus().getCode()
              + "); is the worker's dev stack or your cluster running? (--address)");
    }
  }

  /** {@code HOST:PORT}, else a usage error in one line (never a Java exception). */
  static void checkAddress(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    String port = colon < 0 ? "" : address.substring(colon + 1);
    String host = colon < 0 ? "" : address.substring(0, colon);
    boolean ok =
        !host.isBlank()
            && host.chars().noneMatch(Character::isWhitespace)
            && !host.contains("/")
            && port.matches("\\d{1,5}")
            && Integer.parseInt(port) > 0
            && Integer.parseInt(port) < 65536;
    if (!ok) {
      throw CliException.usage(
          "--address '" + address + "' is not HOST:PORT (for example 127.0.0.1:7233)");
    }
  }

  public WorkflowServiceGrpc.WorkflowServiceBlockingStub blocking() {
    return blocking(service);
  }

  static WorkflowServiceGrpc.WorkflowServiceBlockingStub blocking(WorkflowServiceStubs service) {
    return service.blockingStub().withDeadlineAfter(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    service.shutdownNow();
  }
}
