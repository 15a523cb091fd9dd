package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.core.spi.FilterReply;
import dev.rollgate.worker.RollgateProperties;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The window {@link TemporalRestartIT} can only hit by chance, made deterministic: the supervised
 * "temporal" child stops listening but stays alive, as a killed server does for the moment before
 * the JDK reaps it. Each poller's first "Failure in poller thread" falls in that window; it must be
 * held back like the ones after it. The child is a stand-in (python3) that listens on the port it
 * is given and closes its listener on SIGUSR1.
 */
class ChildDownLogFilterIT {
  private static final String STAND_IN =
      """
      #!/usr/bin/env python3
      import signal, socket, sys, time
      port = int(sys.argv[sys.argv.index("--port") + 1])
      s = socket.socket()
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind(("127.0.0.1", port))
      s.listen(16)
      signal.signal(signal.SIGUSR1, lambda *_: s.close())
      while True:
          try:
              c, _ = s.accept()
              c.close()
          except OSError:
              break
      while True:
          time.sleep(1)
      """;

  private final StatusRuntimeException pollFailure =
      new StatusRuntimeException(Status.UNAVAILABLE.withDescription("io exception"));
  private DevStack stack;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private static Logger logger(String name) {
    return (Logger) LoggerFactory.getLogger(name);
  }

  private FilterReply warn(ChildDownLogFilter filter, String loggerName) {
    return filter.decide(
        null,
        logger(loggerName),
        Level.WARN,
        "Failure in poller thread {}",
        new Object[] {"Workflow Poller"},
        pollFailure);
  }

  @Test
  void temporalClientWarningsAreHeldBackWhenThePortRefusesBeforeTheSupervisorKnows()
      throws Exception {
    Path state = Path.of("target/dev-stack-child-down").toAbsolutePath();
    Files.createDirectories(state);
    Path standIn = state.resolve("temporal-stand-in");
    Files.writeString(standIn, STAND_IN);
    Files.setPosixFilePermissions(standIn, PosixFilePermissions.fromString("rwxr-xr-x"));
    RollgateProperties.Dev d = DevStackMain.settings(state, 0, 0);
    stack =
        DevStack.start(
            new RollgateProperties.Dev(
                true,
                state,
                standIn.toString(),
                d.prometheusBinary(),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                d.demoTarget(),
                d.deployDemoExporter(),
                "/nonexistent/bao"));
    SupervisedProcess.Status temporal =
        stack.children().stream()
            .filter(c -> c.name().equals("temporal"))
            .findFirst()
            .orElseThrow();
    ChildDownLogFilter filter = new ChildDownLogFilter(stack);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.isDownOrSettling("temporal", ChildDownLogFilter.SETTLE));
    assertThat(warn(filter, "io.temporal.internal.worker.BasePoller"))
        .as("Temporal up and listening: nothing is held back")
        .isEqualTo(FilterReply.NEUTRAL);

    assertThat(new ProcessBuilder("kill", "-USR1", Long.toString(temporal.pid())).start().waitFor())
        .isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> !DevStack.isListening(temporal.port()));

    assertThat(stack.isDownOrSettling("temporal", ChildDownLogFilter.SETTLE))
        .as("the supervisor still sees a live process")
        .isFalse();
    assertThat(warn(filter, "io.temporal.internal.worker.BasePoller")).isEqualTo(FilterReply.DENY);
    assertThat(warn(filter, "io.grpc.internal.ManagedChannelImpl")).isEqualTo(FilterReply.DENY);
    assertThat(warn(filter, "dev.rollgate.activities.SomethingElse"))
        .as("only the Temporal client's own lines")
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(
            filter.decide(
                null,
                logger("io.temporal.internal.worker.BasePoller"),
                Level.INFO,
                "DEADLINE_EXCEEDED in poller thread {}",
                null,
                pollFailure))
        .as("below WARN nothing is dropped")
        .isEqualTo(FilterReply.NEUTRAL);
  }
}
