package dev.rollgate.starter.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.backup.BackupWorkflowImpl;
import dev.rollgate.workflows.backup.DrillWorkflowImpl;
import dev.rollgate.workflows.backup.RestoreWorkflowImpl;
import dev.rollgate.workflows.backup.RetentionPolicy;
import dev.rollgate.workflows.testing.InMemoryBackups;
import dev.rollgate.workflows.testing.RecordingAudit;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code rollgate backup ...} against a port-bound Java test server and a worker running the real
 * backup, restore and drill workflows with in-memory activities. The worker's HTTP API is a small
 * JDK HttpServer over the same in-memory store (the real endpoint is in the worker module).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupCliTest {
  private TestServer.PortBoundTestServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory factory;
  private HttpServer api;
  private final InMemoryBackups store =
      new InMemoryBackups(System::currentTimeMillis, "orders", "sales", "stock", "items", "users");
  private String address;
  private String workerUrl;

  @BeforeAll
  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = TestServer.createPortBoundServer(port);
    address = "127.0.0.1:" + port;
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults())
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
    worker.registerWorkflowImplementationTypes(
        BackupWorkflowImpl.class, RestoreWorkflowImpl.class, DrillWorkflowImpl.class);
    worker.registerActivitiesImplementations(store, new RecordingAudit());
    factory.start();

    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/api/backups", this::handle);
    api.start();
    workerUrl = "http://127.0.0.1:" + api.getAddress().getPort();
  }

  /** GET /api/backups?database=X and POST /api/backups/retention, as the worker answers them. */
  private void handle(HttpExchange ex) throws IOException {
    Object body;
    int status = 200;
    try {
      if (ex.getRequestURI().getPath().endsWith("/retention")) {
        JsonNode in = Console.JSON.readTree(ex.getRequestBody());
        var policy =
            new RetentionPolicy(
                in.has("keepLast") ? in.get("keepLast").asInt() : null,
                in.has("keepDays") ? in.get("keepDays").asInt() : null,
                in.path("minimum").asInt(1));
        var plan = store.planRetention(in.path("database").asText(), policy);
        body = in.path("dryRun").asBoolean() ? plan : store.applyRetention(plan);
      } else {
        body = store.list(ex.getRequestURI().getQuery().replace("database=", ""));
      }
    } catch (io.temporal.failure.ApplicationFailure f) {
      status = f.getType().equals("NOT_FOUND") ? 404 : 409;
      body = Map.of("error", f.getOriginalMessage());
    }
    byte[] bytes = Console.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  @AfterAll
  void stop() {
    api.stop(0);
    factory.shutdownNow();
    service.shutdownNow();
    server.close();
  }

  record Result(int exit, String out, String err) {}

  private Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--address=" + address);
    all.add("--worker-url=" + workerUrl);
    all.add("--by=alice");
    return run(all.toArray(String[]::new));
  }

  private Result cliNoBy(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--address=" + address);
    all.add("--worker-url=" + workerUrl);
    return run(all.toArray(String[]::new));
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static void assertOneLineError(Result r, int exit, String contains) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.err()).contains(contains);
    assertThat(r.err().strip().lines()).as("one line on stderr").hasSize(1);
  }

  @Test
  void runWaitShowsProgressThenTheSummaryAndListShowsIt() throws Exception {
    store.dumpStarted = new java.util.concurrent.CountDownLatch(1);
    store.blockDump.set(true);
    StringWriter live = new StringWriter();
    CompletableFuture<Integer> running =
        CompletableFuture.supplyAsync(
            () ->
                RollgateCli.run(
                    new PrintWriter(live),
                    new PrintWriter(new StringWriter()),
                    "backup",
                    "run",
                    "--database",
                    "orders",
                    "--wait",
                    "--by=alice",
                    "--address=" + address,
                    "--worker-url=" + workerUrl));
    store.dumpStarted.await();
    String id =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> store.dumps.stream().filter(d -> d.startsWith("backup/orders/")).findFirst(),
                java.util.Optional::isPresent)
            .get();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> cliNoBy("backup", "status", id.substring(7)).out(), o -> o.contains("Progress"));
    Result status = cliNoBy("backup", "status", id.substring(7));
    assertThat(status.out()).contains("Release    backup orders", "Progress   DumpToS3: ", "MB/s");
    // off a terminal, --wait prints the progress as lines while the dump runs
    await().atMost(Duration.ofSeconds(10)).until(() -> live.toString().contains("DumpToS3: "));
    store.blockDump.set(false);

    assertThat(running.get()).as(live.toString()).isZero();
    assertThat(live.toString())
        .contains("started " + id, "DumpToS3: 4.0 MB at 42.5 MB/s")
        .contains(id + ": COMPLETED · orders: 1.2 GB in 48s, sha256 ab12cd34…");

    Result list = cliNoBy("backup", "list", "--database", "orders");
    assertThat(list.out())
        .containsPattern("ID\\s+STATUS\\s+SIZE\\s+STARTED\\s+DURATION\\s+SHA256\\s+VERIFIED")
        .containsPattern(
            id.replace("/", "\\/") + "\\s+COMPLETED\\s+1\\.2 GB\\s+\\S+\\s+48s\\s+ab12cd34…\\s+-");
    JsonNode json =
        Console.JSON.readTree(
            cliNoBy("backup", "list", "--database", "orders", "-o", "json").out());
    assertThat(json.get(0).path("backupId").asText()).isEqualTo(id);
    assertThat(cliNoBy("backup", "show", id).out())
        .contains("SHA-256    ab12cd34", "public.orders", "1000");
    assertOneLineError(
        cliNoBy("backup", "show", "backup/orders/nope"), 1, "no backup 'backup/orders/nope'");
  }

  @Test
  void restoreOverAnExistingDatabaseIsRefusedWithoutReplaceAndWaitsForApprovalWithIt() {
    store.completed("backup/sales/b1", "sales", System.currentTimeMillis() - 1000, null);
    store.existing.add("sales");

    assertOneLineError(
        cli("backup", "restore", "--database", "sales", "--to", "sales", "--wait"),
        1,
        "database 'sales' exists: restore into a new database, or pass --replace (needs an approval)");
    assertThat(store.restores).noneMatch(r -> r.startsWith("backup/sales/"));

    Result started = cli("backup", "restore", "--database", "sales", "--replace");
    assertThat(started.out()).contains("started restore/sales/sales");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> cliNoBy("restore", "status", "sales/sales").out(),
            o -> o.contains("AWAITING_APPROVAL"));
    assertOneLineError(cli("approve", "restore/sales/sales"), 1, "alice started this workflow");
    assertThat(cliNoBy("restore", "approve", "sales/sales", "--by", "bob").exit()).isZero();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> store.restores.contains("backup/sales/b1->sales (replace)"));
  }

  @Test
  void drillWaitPassesAndAMismatchFailsWithItsTables() {
    store.completed("backup/stock/b1", "stock", System.currentTimeMillis() - 1000, null);
    Result ok = cli("backup", "drill", "--database", "stock", "--wait");
    assertThat(ok.exit()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("COMPLETED · drill of backup/stock/b1 passed");

    store.completed("backup/items/b1", "items", System.currentTimeMillis() - 1000, null);
    store.restoredRows.put("public.orders", 998L);
    try {
      Result bad = cli("backup", "drill", "--database", "items", "--wait");
      assertThat(bad.exit()).isEqualTo(1);
      assertThat(bad.err())
          .contains("1 table differs: public.orders: 1000 in the backup, 998 restored");
    } finally {
      store.restoredRows.clear();
    }
  }

  @Test
  void retentionDryRunShowsWhatWouldGoAndDeletesNothing() {
    long now = System.currentTimeMillis();
    store.completed("backup/users/a", "users", now - 3000, null);
    store.completed("backup/users/b", "users", now - 2000, null);
    store.completed("backup/users/c", "users", now - 1000, null);

    Result dry =
        cliNoBy("backup", "retention", "--database", "users", "--keep-last", "2", "--dry-run");
    assertThat(dry.out())
        .contains("would delete  backup/users/a", "keep          backup/users/c")
        .contains("users: would delete 1, kept 2 (dry run: nothing deleted)");
    assertThat(store.deleted).isEmpty();
    Result real = cliNoBy("backup", "retention", "--database", "users", "--keep-last", "2");
    assertThat(real.out()).contains("users: deleted 1, kept 2");
    assertThat(store.deleted).containsExactly("backup/users/a");
  }

  @Test
  void schedulesOnTheTestServerSayTheyNeedARealServer() {
    String message = ScheduleCommands.NEEDS_REAL_SERVER;
    assertOneLineError(
        cli("backup", "schedule", "create", "--database", "orders", "--cron", "0 2 * * *"),
        1,
        message);
    assertOneLineError(cliNoBy("backup", "schedule", "list"), 1, message);
    assertOneLineError(cliNoBy("backup", "schedule", "pause", "backup/orders"), 1, message);
    assertOneLineError(cliNoBy("backup", "schedule", "trigger", "drill/orders"), 1, message);
  }

  @Test
  void runIsStartsAliasAndListedOnce() {
    String help = run("backup", "--help").out();
    assertThat(help).contains("start, run ").doesNotContainPattern("(?m)^  run ");
    assertThat(run("backup", "start", "--help").out()).contains("rollgate backup run --database");
  }

  @Test
  void badInputIsOneUsageLineAndStartsNothing() {
    int before = store.dumps.size();
    assertOneLineError(
        cli("backup", "run", "--database", "orders", "--compression", "lz4"),
        2,
        "not zstd or gzip");
    assertOneLineError(
        cli("backup", "run", "--database", "orders", "--encryption", "aws:kms"),
        2,
        "needs a KMS key id");
    assertOneLineError(cli("backup", "run", "--database", "bad name"), 2, "may contain only");
    assertOneLineError(
        cli("backup", "run", "--database", "orders", "--keep-last", "0"),
        2,
        "--keep-last must be at least 1");
    assertOneLineError(
        cli("backup", "schedule", "create", "--database", "orders", "--cron", "daily"),
        2,
        "five fields");
    assertOneLineError(cliNoBy("backup", "schedule", "pause", "orders"), 2, "is not a schedule id");
    assertOneLineError(
        cliNoBy("backup", "retention", "--database", "orders"), 2, "--keep-last and/or");
    assertOneLineError(cliNoBy("backup", "show", "rollout/x"), 2, "is not a backup id");
    assertOneLineError(cliNoBy("backup", "status", "orders"), 2, "is not DATABASE/SUFFIX");
    assertThat(store.dumps).hasSize(before);
  }

  /** Ids of every workflow the server has, open or closed, that start with {@code prefix}. */
  private List<String> workflows(String prefix) {
    var stub = service.blockingStub();
    List<String> ids = new ArrayList<>();
    stub.listOpenWorkflowExecutions(
            ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace("default").build())
        .getExecutionsList()
        .forEach(e -> ids.add(e.getExecution().getWorkflowId()));
    stub.listClosedWorkflowExecutions(
            ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace("default").build())
        .getExecutionsList()
        .forEach(e -> ids.add(e.getExecution().getWorkflowId()));
    return ids.stream().filter(id -> id.startsWith(prefix)).toList();
  }

  @Test
  void somethingThatDoesNotExistIsBadInputAndStartsNothing() {
    assertOneLineError(
        cli("backup", "run", "--database", "ghost", "--wait"),
        2,
        "database 'ghost' is not registered");
    assertOneLineError(
        cli("backup", "restore", "--database", "ghost"), 2, "database 'ghost' is not registered");
    assertOneLineError(
        cli("backup", "drill", "--database", "ghost"), 2, "database 'ghost' is not registered");
    assertThat(workflows("backup/ghost/")).isEmpty();
    assertThat(workflows("restore/ghost/")).isEmpty();
    assertThat(workflows("drill/ghost/")).isEmpty();

    // a registered database without a completed backup, then an unknown backup id
    store.databases.add("vacant");
    assertOneLineError(
        cli("backup", "restore", "--database", "vacant", "--to", "vacant_copy"),
        2,
        "database 'vacant' has no completed backup");
    assertOneLineError(
        cli("backup", "drill", "--database", "vacant", "--wait"),
        2,
        "database 'vacant' has no completed backup");
    store.completed("backup/vacant/b1", "vacant", System.currentTimeMillis() - 1000, null);
    assertOneLineError(
        cli("backup", "restore", "--database", "vacant", "--backup", "backup/vacant/nope"),
        2,
        "no completed backup 'backup/vacant/nope' of database 'vacant'");
    assertThat(workflows("restore/vacant/")).isEmpty();
    assertThat(workflows("drill/vacant/")).isEmpty();
    assertThat(store.restores).noneMatch(r -> r.startsWith("backup/vacant/"));

    // a listing of an unknown database stays a failed request (exit 1), as before
    assertOneLineError(
        cliNoBy("backup", "list", "--database", "ghost"), 1, "database 'ghost' is not registered");
  }
}
