package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.Tools;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.TrafficSplit;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against a real HAProxy: its runtime API on an admin-level stats socket, and real requests through
 * its frontend to two JDK HTTP servers that answer with their name.
 */
class HaproxyRouterTest {
  private static final Path DIR = Path.of("target", "haproxy-router-test").toAbsolutePath();
  private static final Path ADMIN_SOCKET = DIR.resolve("admin.sock");
  private static final Path USER_SOCKET = DIR.resolve("user.sock");

  private static final List<HttpServer> backends = new ArrayList<>();
  private static Path haproxy;
  private static Path config;
  private static int frontendPort;
  private static ManagedProcess process;
  private static final HttpClient http = HttpClient.newHttpClient();

  private final HaproxyRouter haproxyRouter = new HaproxyRouter(Duration.ofSeconds(2));
  private final TrafficActivitiesImpl activities = new TrafficActivitiesImpl(haproxyRouter, null);
  private final Router router =
      new Router(Router.HAPROXY, "unix:" + ADMIN_SOCKET, "app", "stable", "canary");

  @BeforeAll
  static void startHaproxy() throws IOException {
    haproxy = RequiredTools.require(Tools.HAPROXY);
    Files.createDirectories(DIR);
    int stablePort = serve("stable");
    int canaryPort = serve("canary");
    frontendPort = TestInfra.freePort();
    config = DIR.resolve("haproxy.cfg");
    Files.writeString(
        config,
        """
        global
          stats socket %s level admin
          stats socket %s level user
        defaults
          mode http
          timeout connect 2s
          timeout client 10s
          timeout server 10s
        frontend web
          bind 127.0.0.1:%d
          default_backend app
        backend app
          balance roundrobin
          server stable 127.0.0.1:%d weight 90
          server canary 127.0.0.1:%d weight 10
        backend other
          server only 127.0.0.1:%d
        backend checked
          balance roundrobin
          server stable 127.0.0.1:%d check inter 200ms fall 1 rise 1
          server canary 127.0.0.1:%d check inter 200ms fall 1 rise 1
        """
            .formatted(
                ADMIN_SOCKET,
                USER_SOCKET,
                frontendPort,
                stablePort,
                canaryPort,
                stablePort,
                stablePort,
                TestInfra.freePort()));
    start();
  }

  private static void start() throws IOException {
    process =
        ManagedProcess.start(
                List.of(haproxy.toString(), "-f", config.toString(), "-db"),
                DIR.resolve("haproxy.log"))
            .awaitPort(frontendPort, Duration.ofSeconds(10));
  }

  private static int serve(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    backends.add(server);
    return server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    if (process != null) {
      process.close();
    }
    backends.forEach(s -> s.stop(0));
  }

  @Test
  void validateAcceptsTheBackendAndBothServers() {
    activities.validate(router);
  }

  @Test
  void validateNamesTheMissingServerAndTheServersThereAre() {
    Router wrong = new Router(Router.HAPROXY, router.address(), "app", "stable", "green");
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(wrong));
    assertThat(failure.getType()).isEqualTo("NOT_FOUND");
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo("haproxy backend 'app' has no server 'green' (servers: stable, canary)");
  }

  @Test
  void validateNamesTheMissingBackend() {
    Router wrong = new Router(Router.HAPROXY, router.address(), "api", "stable", "canary");
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(wrong));
    assertThat(failure.getType()).isEqualTo("NOT_FOUND");
    assertThat(failure.getOriginalMessage())
        .contains("has no backend 'api'")
        .contains("(backends: app, other, checked)");
  }

  @Test
  void validateRefusesASocketThatIsNotLevelAdmin() {
    Router user = new Router(Router.HAPROXY, "unix:" + USER_SOCKET, "app", "stable", "canary");
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(user));
    assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
    assertThat(failure.getOriginalMessage()).contains("needs 'level admin'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "canary;set weight app/stable 0",
        "canary\nset weight app/stable 0",
        "canary set weight app/stable 0",
        "canary\r"
      })
  void aServerNameHaproxyWouldNotAcceptIsRefusedBeforeAnyCommand(String name) throws Exception {
    activities.shift(router, TrafficSplit.canaryAt(10));
    Router injected = new Router(Router.HAPROXY, router.address(), "app", "stable", name);

    // at the activity (Router.problem) and in the router itself, whoever calls it
    for (Runnable call :
        List.<Runnable>of(
            () -> activities.validate(injected),
            () -> activities.shift(injected, TrafficSplit.canaryAt(50)),
            () -> haproxyRouter.validate(injected),
            () -> haproxyRouter.shift(injected, TrafficSplit.canaryAt(50)),
            () -> haproxyRouter.read(injected))) {
      ApplicationFailure failure = catchThrowableOfType(ApplicationFailure.class, call::run);
      assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage())
          .contains("may contain only letters, digits, '-', '_', '.' and ':'")
          .doesNotContain("\n");
    }
    Router badBackend = new Router(Router.HAPROXY, router.address(), name, "stable", "canary");
    assertThat(
            catchThrowableOfType(
                    ApplicationFailure.class,
                    () -> haproxyRouter.shift(badBackend, TrafficSplit.ALL_STABLE))
                .getType())
        .isEqualTo("INVALID_INPUT");
    // no second command ran: the stable server's weight is still 90
    assertThat(haproxyRouter.weight(router.address(), "app", "stable")).isEqualTo(90);
    assertThat(activities.read(router)).isEqualTo(new TrafficSplit(90, 10));
  }

  @Test
  void aRuntimeApiCommandWithASecondCommandInItIsNeverSent() {
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> haproxyRouter.command(router.address(), "show backend; set weight app/stable 0"));
    assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
  }

  @Test
  void serverStatesAreReportedAndAServerOutOfServiceIsRefusedAtValidation() throws Exception {
    assertThat(activities.servers(router))
        .extracting(ServerState::state)
        .containsExactly("UP", "UP");
    try {
      haproxyRouter.command(router.address(), "set server app/stable state maint");
      assertThat(activities.servers(router))
          .containsExactly(
              new ServerState("stable", "app/stable", "MAINT"),
              new ServerState("canary", "app/canary", "UP"));
      ApplicationFailure failure =
          catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(router));
      assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage())
          .startsWith("haproxy server app/stable (stable) is in MAINT: all traffic would go to")
          .doesNotContain("\n");

      haproxyRouter.command(router.address(), "set server app/stable state ready");
      haproxyRouter.command(router.address(), "set server app/canary state drain");
      assertThat(activities.servers(router))
          .extracting(ServerState::state)
          .containsExactly("UP", "DRAIN");
      assertThat(catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(router)))
          .hasMessageContaining("server app/canary (canary) is in DRAIN");
    } finally {
      haproxyRouter.command(router.address(), "set server app/stable state ready");
      haproxyRouter.command(router.address(), "set server app/canary state ready");
    }
    activities.validate(router);
  }

  @Test
  void aServerDownByItsHealthCheckIsReportedDown() {
    Router checked = new Router(Router.HAPROXY, router.address(), "checked", "stable", "canary");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(activities.servers(checked))
                    .containsExactly(
                        new ServerState("stable", "checked/stable", "UP"),
                        new ServerState("canary", "checked/canary", "DOWN")));
    assertThat(catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(checked)))
        .hasMessageContaining("server checked/canary (canary) is in DOWN");
  }

  @Test
  void shiftSetsTheWeightsAndTrafficFollowsThem() throws Exception {
    assertThat(activities.shift(router, TrafficSplit.canaryAt(25)))
        .isEqualTo(new TrafficSplit(75, 25));
    assertThat(activities.read(router)).isEqualTo(new TrafficSplit(75, 25));
    assertThat(haproxyRouter.serversState(router.address(), "app").get("canary"))
        .containsEntry("srv_uweight", "25");

    int canary = canaryAnswers(400);
    assertThat(canary).isBetween(60, 140); // 25 % of 400 is 100

    activities.shift(router, TrafficSplit.ALL_STABLE);
    assertThat(activities.read(router)).isEqualTo(TrafficSplit.ALL_STABLE);
    assertThat(canaryAnswers(100)).isZero();
  }

  @Test
  void aBadSplitIsRefusedAndNothingChanges() {
    activities.shift(router, TrafficSplit.canaryAt(10));
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class, () -> activities.shift(router, new TrafficSplit(-20, 120)));
    assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
    assertThat(failure.getOriginalMessage()).contains("add up to 100");
    assertThat(activities.read(router)).isEqualTo(new TrafficSplit(90, 10));
  }

  @Test
  void readReportsTheConfiguredWeightsAfterARestartNotWhatWasSet() throws Exception {
    activities.shift(router, TrafficSplit.canaryAt(50));
    assertThat(activities.read(router)).isEqualTo(new TrafficSplit(50, 50));

    process.close();
    start();

    // no server-state file: HAProxy is back at the configuration's 90/10, and read says so
    assertThat(activities.read(router)).isEqualTo(new TrafficSplit(90, 10));
    int canary = canaryAnswers(200);
    assertThat(canary).isBetween(8, 35); // 10 % of 200 is 20
  }

  @Test
  void anUnreachableSocketIsUnavailableRetryableInReadButNotAtValidation() {
    Router gone =
        new Router(Router.HAPROXY, "unix:" + DIR.resolve("gone.sock"), "app", "stable", "canary");
    ApplicationFailure read =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.read(gone));
    assertThat(read.getType()).isEqualTo("UNAVAILABLE");
    assertThat(read.isNonRetryable()).isFalse();
    ApplicationFailure shift =
        catchThrowableOfType(
            ApplicationFailure.class, () -> activities.shift(gone, TrafficSplit.ALL_STABLE));
    assertThat(shift.getType()).isEqualTo("UNAVAILABLE");
    assertThat(shift.isNonRetryable()).isFalse();

    Router closedPort =
        new Router(Router.HAPROXY, "127.0.0.1:" + TestInfra.freePort(), "app", "stable", "canary");
    ApplicationFailure validate =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.validate(closedPort));
    assertThat(validate.getType()).isEqualTo("UNAVAILABLE");
    assertThat(validate.isNonRetryable()).isTrue();
    assertThat(validate.getOriginalMessage()).contains("is unreachable");
  }

  private static int canaryAnswers(int requests) throws Exception {
    int canary = 0;
    URI uri = URI.create("http://127.0.0.1:" + frontendPort + "/");
    for (int i = 0; i < requests; i++) {
      String body =
          http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
              .body();
      if (body.equals("canary")) {
        canary++;
      } else {
        assertThat(body).isEqualTo("stable");
      }
    }
    return canary;
  }
}
