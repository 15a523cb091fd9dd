package dev.rollgate.starter.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.deploy.DeploymentWorkflowImpl;
import dev.rollgate.workflows.deploy.MetricResult;
import dev.rollgate.workflows.deploy.StageAnalysis;
import dev.rollgate.workflows.deploy.StageReport;
import dev.rollgate.workflows.deploy.TrafficSplit;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.deploy.FakeEnvironments;
import dev.rollgate.workflows.testing.deploy.FakeTraffic;
import dev.rollgate.workflows.testing.deploy.ScriptedAnalysis;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code rollgate deploy}: parsing and validation, {@code --dry-run} (which connects to nothing),
 * and the commands against a real Temporal frontend (the Java test server) running the real
 * deployment workflow with in-memory activities, and a worker HTTP stub serving stage reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployCliTest {
  private static final String[] HAPROXY = {
    "--router",
    "haproxy",
    "--haproxy-socket",
    "unix:/run/haproxy/admin.sock",
    "--backend",
    "app",
    "--stable",
    "blue",
    "--canary",
    "green"
  };

  private TestServer.PortBoundTestServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory factory;
  private HttpServer workerApi;
  private final AtomicReference<String> reportsJson = new AtomicReference<>("[]");
  private FakeTraffic traffic;
  private final FakeEnvironments environments = new FakeEnvironments();
  private String address;
  private String workerUrl;

  @BeforeAll
  void startTemporalAndWorker() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = TestServer.createPortBoundServer(port);
    address = "127.0.0.1:" + port;
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    operator
        .blockingStub()
        .addSearchAttributes(
            AddSearchAttributesRequest.newBuilder()
                .setNamespace("default")
                .putAllSearchAttributes(
                    Map.of(
                        "RollgateKind", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        "RollgateTarget", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        "RollgatePhase", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                        "RollgateProgress", IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE))
                .build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(service));
    var worker = factory.newWorker(TaskQueues.ROLLGATE);
    worker.registerWorkflowImplementationTypes(DeploymentWorkflowImpl.class);
    traffic = new FakeTraffic(System::currentTimeMillis);
    environments.refusedHosts.add("metadata.evil");
    worker.registerActivitiesImplementations(
        traffic,
        new ScriptedAnalysis(System::currentTimeMillis),
        environments,
        new RecordingAudit());
    factory.start();
    workerApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    workerApi.createContext(
        "/api/deploy/reports",
        exchange -> {
          byte[] body = reportsJson.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    workerApi.start();
    workerUrl = "http://127.0.0.1:" + workerApi.getAddress().getPort();
  }

  @AfterAll
  void stop() {
    workerApi.stop(0);
    factory.shutdownNow();
    service.shutdownNow();
    server.close();
  }

  record Result(int exit, String out, String err) {}

  private Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--address=" + address);
    return run(all.toArray(String[]::new));
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static String[] start(String svc, String... more) {
    List<String> args =
        new ArrayList<>(List.of("deploy", "start", svc, "--version", "2.0.0", "--by", "alice"));
    args.addAll(List.of(HAPROXY));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static void assertOneLineError(Result r, int exit, String contains) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.err()).contains(contains);
    assertThat(r.err().strip().lines()).as("one line on stderr").hasSize(1);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  // ---- dry run and parsing ----

  @Test
  void dryRunPrintsStagesGatesAndRouterChangesWithoutConnecting() throws Exception {
    List<String> args = new ArrayList<>(List.of(start("shop", "--dry-run")));
    args.add("--address=127.0.0.1:" + closedPort());
    Result r = run(args.toArray(String[]::new));

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "deploy shop 2.0.0 (canary, rollback auto) on haproxy app (blue / green)",
            "stage 1 of 4: shift 100/0 -> 95/5; hold 15m with rollback triggers and canary"
                + " analysis every 1m, drift check",
            "stage 2 of 4: gate: canary analysis at 5 % (count 1 every 1m, failure limit 0",
            "shift 50/50 -> 0/100",
            "rollback triggers: error ratio above 2 %, p95 above 500 ms, 10 or more 5xx within 30s",
            "all traffic to stable (100/0) at once, read back to confirm",
            "(dry run: nothing was started or changed)");
  }

  @Test
  void presetsStagesAndAPlanFileGiveTheStages() throws Exception {
    assertThat(run(start("shop", "--preset", "Linear10PercentEvery1Minutes", "--dry-run")).out())
        .contains("stage 10 of 10: gate: canary analysis at 90 %", "shift 10/90 -> 0/100");
    assertThat(run(start("shop", "--preset", "Canary10Percent5Minutes", "--dry-run")).out())
        .contains("stage 1 of 2: shift 100/0 -> 90/10; hold 5m", "stage 2 of 2");
    assertThat(run(start("shop", "--stages", "20:10m,100", "--dry-run")).out())
        .contains("shift 100/0 -> 80/20; hold 10m", "shift 80/20 -> 0/100");

    Path dir = Files.createDirectories(Path.of("target", "deploy-plans"));
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(
        plan,
        "strategy: canary\nrollback: pause\napproveAt: [50]\nstages:\n"
            + "  - weight: 10\n    hold: 30m\n  - weight: 50\n    hold: 1h\n  - weight: 100\n");
    Result r = run(start("shop", "--plan", plan.toString(), "--dry-run", "-o", "json"));
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode json = Console.JSON.readTree(r.out());
    assertThat(json.path("request").path("rollback").asText()).isEqualTo("PAUSE");
    assertThat(json.path("request").path("stages")).hasSize(3);
    assertThat(json.path("plan").toString()).contains("1 approval(s), not by the initiator");
  }

  @Test
  void badInputIsOneUsageLineAndStartsNothing() throws Exception {
    assertOneLineError(run(start("shop", "--stages", "50:1m,25:1m,100")), 2, "strictly increasing");
    assertOneLineError(run(start("shop", "--stages", "50:1m,150")), 2, "outside 1-100");
    assertOneLineError(run(start("shop", "--stages", "10:1m,50")), 2, "must be 100 %");
    assertOneLineError(
        run("deploy", "start", "shop", "--version", "2", "--by", "a", "--router", "nginx"),
        2,
        "unknown router 'nginx'");
    assertOneLineError(run(start("shop", "--preset", "Fast")), 2, "unknown preset 'Fast'");
    assertOneLineError(run(start("shop", "--stages", "10:soon,100")), 2, "not a duration");
    assertOneLineError(run(start("shop", "--metric", "errors")), 2, "not NAME:PROMQL<MAX");
    assertOneLineError(run(start("shop", "--smoke", "/health")), 2, "not PATH=STATUS");
    assertOneLineError(run(start("shop", "--warm-up", "lb:80")), 2, "not URL@RPS/DURATION");
    assertOneLineError(
        run(start("shop", "--strategy", "blue-green")), 2, "needs the idle side's URL");
    assertOneLineError(
        run(start("shop", "--load-test", "/srv/locustfile.py")), 2, "needs the canary's own URL");
    assertOneLineError(run(start("shop/x")), 2, "may contain only");
    assertOneLineError(
        run(
            "deploy",
            "start",
            "shop",
            "--version",
            "2",
            "--by",
            "a",
            "--router",
            "haproxy",
            "--haproxy-socket",
            "unix:/run/haproxy/admin.sock",
            "--backend",
            "app;disable server app/blue",
            "--stable",
            "blue",
            "--canary",
            "green"),
        2,
        "may contain only letters, digits, '-', '_', '.' and ':'");
    Path plan = Files.createDirectories(Path.of("target", "deploy-plans")).resolve("bad.yaml");
    Files.writeString(plan, "stages: []\nsteps: 3\n");
    assertOneLineError(run(start("shop", "--plan", plan.toString())), 2, "unknown key 'steps'");
    // a fractional weight was truncated (50.5 ran as 50): refused instead
    Files.writeString(plan, "stages:\n  - weight: 50.5\n  - weight: 100\n");
    assertOneLineError(
        run(start("shop", "--plan", plan.toString())),
        2,
        "every stage needs a whole-number weight");
    Files.writeString(plan, "approveAt: [50.5]\nstages:\n  - weight: 50\n  - weight: 100\n");
    assertOneLineError(
        run(start("shop", "--plan", plan.toString())), 2, "approveAt holds whole-number weights");
    assertOneLineError(
        run(
            "deploy",
            "start",
            "shop",
            "--version",
            "2",
            "--by",
            "a",
            "--router",
            "alb",
            "--listener",
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2",
            "--stable-tg",
            "tg-1",
            "--canary-tg",
            "tg-2"),
        2,
        "is not an ELBv2 ARN");
  }

  // ---- against Temporal ----

  @Test
  void aUrlOutsideTheWorkersAllowedHostsIsRefusedAtStartInOneLine() {
    int shifts = traffic.shifts.size();
    Result r = cli(start("web", "--warm-up", "http://metadata.evil/latest@5/1m"));

    assertOneLineError(r, 2, "http://metadata.evil/latest is refused");
    assertThat(r.err()).contains("failed to start");
    assertThat(traffic.shifts).hasSize(shifts);
  }

  @Test
  void startStatusGenericVerbsAndRetry() throws Exception {
    Result started = cli(start("api", "--stages", "5:1h,100", "--interval", "10m"));
    assertThat(started.exit()).as(started.toString()).isZero();
    assertThat(started.out()).contains("started deploy/api: canary 2.0.0, 2 stages");
    awaitPhase("api", "HOLDING");

    JsonNode status = Console.JSON.readTree(cli("deploy", "status", "api", "-o", "json").out());
    assertThat(status.path("split").path("canary").asInt()).isEqualTo(5);
    assertThat(status.path("release").path("position").asText())
        .isEqualTo("canary 5 % (stage 1 of 2)");
    assertThat(cli("deploy", "status", "api").out())
        .contains("Stage      canary 5 % (stage 1 of 2)", "Split      95/5", "Next       100 %");
    assertOneLineError(cli(start("api", "--stages", "5:1h,100")), 1, "is already running");
    assertOneLineError(cli("deploy", "retry", "api", "--by", "bob"), 1, "is running");

    // the kit's verbs, with no code of the deploy kind
    assertThat(cli("deploy", "pause", "api", "--by", "bob", "--reason", "look").exit()).isZero();
    assertThat(cli("status", "deploy/api").out()).contains("PAUSED", "Paused     by bob: look");
    assertThat(cli("describe", "deploy/api").out()).contains("Deployment");
    assertThat(cli("list").out()).containsPattern("deploy/api\\s+deploy\\s+api\\s+PAUSED\\s+5 %");
    assertThat(cli("abort", "deploy/api", "--by", "bob", "--reason", "incident").exit()).isZero();
    awaitPhase("api", "ABORTED");
    assertThat(traffic.split("app")).isEqualTo(TrafficSplit.ALL_STABLE);
    assertThat(cli("deploy", "status", "api").out())
        .contains("Retry      rollgate deploy retry api  (from stage 1, restoring 100/0)");

    assertOneLineError(
        cli("deploy", "retry", "api", "--version", "3.0.0", "--by", "bob"),
        1,
        "a new version is a new deployment: use deploy start");
    Result retry = cli("deploy", "retry", "api", "--by", "bob", "--reason", "fixed config");
    assertThat(retry.exit()).as(retry.toString()).isZero();
    assertThat(retry.out()).contains("started deploy/api: canary 2.0.0", "retry from stage 1");
    awaitPhase("api", "HOLDING");
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    cli("deploy", "abort", "api", "--by", "bob", "--reason", "cleanup");
    awaitPhase("api", "ABORTED");
  }

  @Test
  void reportReadsTheWorkersStageReportsAsATableAndAsJson() throws Exception {
    MetricResult errors =
        new MetricResult(
            "error_ratio",
            0.31,
            0.001,
            60,
            60,
            0.0001,
            0.9,
            Verdict.FAIL,
            true,
            false,
            "canary 0.31 > max 0.02");
    StageReport rolledBack =
        new StageReport(
            "deploy/web",
            "deploy/web/run1",
            "web",
            "2.0.0",
            "25 %",
            25,
            "ROLLBACK",
            List.of(new StageAnalysis(List.of(errors), Verdict.FAIL, 1_795_000_000_000L)),
            null,
            List.of("guardrail breach; error_ratio: canary 0.31 > max 0.02"),
            1_795_000_000_000L);
    reportsJson.set(Console.JSON.writeValueAsString(List.of(rolledBack)));

    Result table = cli("deploy", "report", "web", "--worker-url", workerUrl);
    assertThat(table.exit()).as(table.toString()).isZero();
    assertThat(table.out())
        .contains("VERSION", "VERDICT", "25 %", "ROLLBACK", "error_ratio 0.3100 vs 0.001000 FAIL");
    JsonNode json =
        Console.JSON.readTree(
            cli("deploy", "report", "web", "--worker-url", workerUrl, "-o", "json").out());
    assertThat(json.get(0).path("verdict").asText()).isEqualTo("ROLLBACK");
    assertThat(json.get(0).path("analyses").get(0).path("results").get(0).path("canary").asDouble())
        .isEqualTo(0.31);

    reportsJson.set("{\"unexpected\": true}");
    assertOneLineError(
        cli("deploy", "report", "web", "--worker-url", workerUrl), 1, "not a JSON list");
  }

  @Test
  void helpListsTheDeployVerbs() {
    assertThat(run("deploy", "--help").out())
        .contains("start", "status", "report", "retry", "approve", "pause", "resume", "abort");
    Result startHelp = run("deploy", "start", "--help");
    assertThat(startHelp.out())
        .as(startHelp.toString())
        .contains("--dry-run", "--preset", "--plan", "--rollback", "--warm-up", "--smoke");
  }

  private void awaitPhase(String svc, String phase) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> phaseOf(svc), phase::equals);
  }

  private String phaseOf(String svc) throws java.io.IOException {
    Result r = cli("deploy", "status", svc, "-o", "json");
    return r.exit() == 0 ? Console.JSON.readTree(r.out()).path("phase").asText() : r.err();
  }
}
