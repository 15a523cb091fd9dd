package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.aws.AwsClients;
import dev.rollgate.workflows.deploy.CheckReport;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.EnvironmentActivities;
import dev.rollgate.workflows.deploy.SmokeCheck;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * ECS sides against a real local AWS API (moto_server) through the real SDK, and the HTTP health
 * and smoke checks against a JDK HTTP server. Every call goes through Temporal's test activity
 * environment, so heartbeats are real.
 */
class EnvironmentActivitiesImplTest {
  private static ManagedProcess moto;
  private static EcsClient ecs;
  private static HttpServer web;
  private static String base;
  private static final AtomicInteger flakyCalls = new AtomicInteger();
  private static final CountDownLatch release = new CountDownLatch(1);

  private TestActivityEnvironment testEnv;
  private EnvironmentActivities activities;

  @BeforeAll
  static void start() throws IOException {
    int port = TestInfra.freePort();
    moto = ManagedProcess.motoServer(port, Path.of("target", "environment-test", "moto.log"));
    ecs = new AwsClients(URI.create("http://127.0.0.1:" + port), "us-east-1", "test", "test").ecs();
    web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.setExecutor(Executors.newCachedThreadPool());
    web.createContext("/ok", x -> answer(x, 200, "version 2.0 ok"));
    web.createContext("/fail", x -> answer(x, 500, "boom"));
    web.createContext(
        "/flaky", x -> answer(x, flakyCalls.incrementAndGet() <= 2 ? 503 : 200, "warming up"));
    web.createContext(
        "/hang",
        x -> {
          try {
            release.await(10, TimeUnit.SECONDS); // longer than the request timeout
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          answer(x, 200, "late");
        });
    web.start();
    base = "http://127.0.0.1:" + web.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @AfterAll
  static void stop() {
    release.countDown();
    if (web != null) {
      web.stop(0);
    }
    if (ecs != null) {
      ecs.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void activityEnvironment() {
    testEnv = TestActivityEnvironment.newInstance();
    testEnv.registerActivitiesImplementations(
        new EnvironmentActivitiesImpl(ecs, Duration.ofMillis(100), Duration.ofMillis(500)));
    activities =
        testEnv.newActivityStub(
            EnvironmentActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void closeEnvironment() {
    testEnv.close();
  }

  /** A cluster of its own per test, with services blue (live) and green (idle) on web:1.0. */
  private static Environment cluster(String name, String image) {
    ecs.createCluster(r -> r.clusterName(name));
    String first =
        ecs.registerTaskDefinition(
                r ->
                    r.family(name + "-web")
                        .containerDefinitions(
                            c -> c.name("web").image("demo/web:1.0").memory(128),
                            c -> c.name("log-router").image("fluent/fluent-bit:3").memory(64)))
            .taskDefinition()
            .taskDefinitionArn();
    for (String service : List.of("blue", "green")) {
      ecs.createService(
          r -> r.cluster(name).serviceName(service).taskDefinition(first).desiredCount(1));
    }
    return new Environment(Environment.ECS, name, "blue", "green", name + "-web", image, 2);
  }

  private static Service service(Environment env, String name) {
    return ecs.describeServices(r -> r.cluster(env.cluster()).services(name)).services().getFirst();
  }

  private static List<String> revisions(Environment env) {
    return ecs.listTaskDefinitions(r -> r.familyPrefix(env.taskFamily())).taskDefinitionArns();
  }

  private static String imageOf(String taskDefinition) {
    return ecs.describeTaskDefinition(r -> r.taskDefinition(taskDefinition))
        .taskDefinition()
        .containerDefinitions()
        .getFirst()
        .image();
  }

  private static ApplicationFailure failureOf(Runnable call) {
    ActivityFailure failure = catchThrowableOfType(ActivityFailure.class, call::run);
    assertThat(failure.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) failure.getCause();
  }

  @Test
  void validateFindsTheClusterAndBothServicesAndNamesWhatIsMissing() {
    Environment env = cluster("validate", "demo/web");
    activities.validate(env);

    ApplicationFailure noService =
        failureOf(
            () ->
                activities.validate(
                    new Environment(
                        Environment.ECS, "validate", "blue", "purple", "x", "demo/web", 1)));
    assertThat(noService.getType()).isEqualTo("NOT_FOUND");
    assertThat(noService.isNonRetryable()).isTrue();
    assertThat(noService.getOriginalMessage())
        .isEqualTo("ECS cluster 'validate' has no service 'purple' (MISSING)");

    ApplicationFailure noCluster =
        failureOf(
            () ->
                activities.validate(
                    new Environment(Environment.ECS, "nowhere", "blue", "green", "x", "i", 1)));
    assertThat(noCluster.getType()).isEqualTo("NOT_FOUND");
    assertThat(noCluster.getOriginalMessage()).isEqualTo("no ECS cluster 'nowhere'");

    ApplicationFailure zero =
        failureOf(
            () ->
                activities.validate(
                    new Environment(Environment.ECS, "validate", "blue", "green", "x", "i", 0)));
    assertThat(zero.getType()).isEqualTo("INVALID_INPUT");
  }

  @Test
  void prepareRegistersTheVersionAndUpdatesTheIdleServiceOnce() {
    Environment env = cluster("prepare", "demo/web");
    String arn = activities.prepare(env, "2.0", "deploy/web/2.0");

    assertThat(imageOf(arn)).isEqualTo("demo/web:2.0");
    var containers =
        ecs.describeTaskDefinition(r -> r.taskDefinition(arn))
            .taskDefinition()
            .containerDefinitions();
    assertThat(containers)
        .extracting(c -> c.image())
        .containsExactly("demo/web:2.0", "fluent/fluent-bit:3");
    Service green = service(env, "green");
    assertThat(green.taskDefinition()).isEqualTo(arn);
    assertThat(green.desiredCount()).isEqualTo(2);
    assertThat(service(env, "blue").taskDefinition()).endsWith("prepare-web:1");
    assertThat(revisions(env)).hasSize(2);

    assertThat(activities.prepare(env, "2.0", "deploy/web/2.0")).isEqualTo(arn);
    assertThat(revisions(env)).hasSize(2);
  }

  @Test
  void prepareReusesARevisionRegisteredBeforeACrashAndKeepsATaggedImage() {
    Environment env = cluster("crash", "demo/web");
    // a first attempt registered 3.0 and died before it updated the service
    String orphan =
        ecs.registerTaskDefinition(
                r ->
                    r.family("crash-web")
                        .containerDefinitions(c -> c.name("web").image("demo/web:3.0").memory(128)))
            .taskDefinition()
            .taskDefinitionArn();
    assertThat(activities.prepare(env, "3.0", "k")).isEqualTo(orphan);
    assertThat(service(env, "green").taskDefinition()).isEqualTo(orphan);
    assertThat(revisions(env)).hasSize(2);

    Environment pinned =
        new Environment(
            Environment.ECS, "crash", "blue", "green", "crash-web", "demo/web:pinned", 1);
    String arn = activities.prepare(pinned, "4.0", "k2");
    assertThat(imageOf(arn)).isEqualTo("demo/web:pinned");
  }

  @Test
  void awaitStableIsTrueOnMotoAndRetireScalesToZeroOnce() {
    Environment env = cluster("stable", "demo/web");
    activities.prepare(env, "2.0", "k");
    // moto reports running == desired at once and keeps one deployment: the SDK waiter's "stable"
    assertThat(activities.awaitStable(env, "green", Duration.ofSeconds(5))).isTrue();

    activities.retire(env, "blue");
    assertThat(service(env, "blue").desiredCount()).isZero();
    activities.retire(env, "blue");
    assertThat(service(env, "blue").desiredCount()).isZero();
    assertThat(service(env, "green").desiredCount()).isEqualTo(2);

    ApplicationFailure missing = failureOf(() -> activities.retire(env, "purple"));
    assertThat(missing.getType()).isEqualTo("NOT_FOUND");
  }

  @Test
  void healthPassesAfterConsecutive2xxAndFailsOnErrorsAndTimeouts() {
    CheckReport ok = activities.health(base + "/ok", 3, Duration.ofSeconds(5));
    assertThat(ok.passed()).isTrue();
    assertThat(ok.lines().getLast()).startsWith("healthy: 3 2xx answers in a row after 3 polls");

    flakyCalls.set(0);
    CheckReport flaky = activities.health(base + "/flaky", 2, Duration.ofSeconds(5));
    assertThat(flaky.passed()).isTrue();
    assertThat(flaky.lines())
        .containsSubsequence(
            "GET " + base + "/flaky -> 503 (poll 1)", "GET " + base + "/flaky -> 200 (poll 3)");
    assertThat(flaky.lines().getLast()).startsWith("healthy: 2 2xx answers in a row after 4 polls");

    CheckReport failing = activities.health(base + "/fail", 2, Duration.ofSeconds(1));
    assertThat(failing.passed()).isFalse();
    assertThat(failing.lines().getLast()).startsWith("not healthy after").endsWith("last 500");

    CheckReport hanging = activities.health(base + "/hang", 1, Duration.ofMillis(800));
    assertThat(hanging.passed()).isFalse();
    assertThat(hanging.lines().getLast()).contains("last no answer (HttpTimeoutException");
  }

  @Test
  void smokeReportsEachCheckOnOneLine() {
    CheckReport passed =
        activities.smoke(
            base + "/",
            List.of(new SmokeCheck("/ok", 200, "2.0"), new SmokeCheck("fail", 500, null)));
    assertThat(passed.passed()).isTrue();
    assertThat(passed.lines())
        .containsExactly("GET /ok -> 200 (expected 200) ok", "GET /fail -> 500 (expected 500) ok");

    CheckReport failed =
        activities.smoke(
            base,
            List.of(
                new SmokeCheck("/ok", 200, null),
                new SmokeCheck("/fail", 200, null),
                new SmokeCheck("/ok", 200, "3.0"),
                new SmokeCheck("/hang", 200, null)));
    assertThat(failed.passed()).isFalse();
    assertThat(failed.lines())
        .containsExactly(
            "GET /ok -> 200 (expected 200) ok",
            "GET /fail -> 500 (expected 200) FAIL",
            "GET /ok -> 200 (expected 200), body lacks \"3.0\" FAIL",
            "GET /hang -> no answer (HttpTimeoutException: request timed out) (expected 200) FAIL");
  }
}
