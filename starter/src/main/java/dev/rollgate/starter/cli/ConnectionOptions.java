package dev.rollgate.starter.cli;

import picocli.CommandLine.Option;

/** Options every command shares: where Temporal and the worker are, and the output format. */
public class ConnectionOptions {
  @Option(
      names = "--address",
      description =
          "Temporal frontend host:port (env ROLLGATE_TEMPORAL_ADDRESS; default ${DEFAULT-VALUE})",
      defaultValue = "${env:ROLLGATE_TEMPORAL_ADDRESS:-127.0.0.1:7233}")
  public String address;

  @Option(
      names = "--namespace",
      description =
          "Temporal namespace (env ROLLGATE_TEMPORAL_NAMESPACE; default ${DEFAULT-VALUE})",
      defaultValue = "${env:ROLLGATE_TEMPORAL_NAMESPACE:-default}")
  public String namespace;

  @Option(
      names = "--api-key",
      description = "Temporal Cloud API key (env ROLLGATE_TEMPORAL_API_KEY); implies TLS",
      defaultValue = "${env:ROLLGATE_TEMPORAL_API_KEY}")
  public String apiKey;

  @Option(
      names = "--worker-url",
      description =
          "Rollgate worker HTTP address (env ROLLGATE_WORKER_URL; default ${DEFAULT-VALUE})",
      defaultValue = "${env:ROLLGATE_WORKER_URL:-http://127.0.0.1:8080}")
  public String workerUrl;

  @Option(
      names = {"-o", "--output"},
      description = "table (default) or json",
      defaultValue = "table")
  public Output output;
}
