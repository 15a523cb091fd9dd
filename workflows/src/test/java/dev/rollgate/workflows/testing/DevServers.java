package dev.rollgate.workflows.testing;

import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Temporal dev server for tests that need what the Java test server lacks (Schedules,
 * visibility queries, the real server's continue-as-new and update handling). The server is the
 * installed {@code temporal} CLI from bin/bootstrap, found through ROLLGATE_TEMPORAL_CLI (written
 * to .tools/env): missing, the test fails under ROLLGATE_TOOLS_REQUIRED=true (bin/test) and is
 * skipped with the reason elsewhere.
 */
public final class DevServers {
  private DevServers() {}

  /** Starts a dev server on a free loopback port, in memory, without the Web UI. */
  public static TemporalDevServer start() {
    String cli = System.getenv("ROLLGATE_TEMPORAL_CLI");
    if (cli == null || !Files.isExecutable(Path.of(cli))) {
      String reason =
          "the temporal CLI is not installed (ROLLGATE_TEMPORAL_CLI='"
              + cli
              + "'): run bin/bootstrap and source .tools/env";
      if ("true".equals(System.getenv("ROLLGATE_TOOLS_REQUIRED"))) {
        throw new IllegalStateException(reason);
      }
      Assumptions.abort(reason);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return TemporalDevServer.start(
        TemporalDevServerOptions.newBuilder()
            .setExistingPath(cli)
            .setDownloadEnabled(false)
            .setIp("127.0.0.1")
            .setPort(port)
            .setUi(false)
            .setLogLevel("error")
            .setStartupTimeout(Duration.ofSeconds(60))
            .build());
  }
}
