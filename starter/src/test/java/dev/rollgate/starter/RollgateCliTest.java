package dev.rollgate.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflowImpl;
import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import dev.rollgate.workflows.testing.dial.DialRequest;
import dev.rollgate.workflows.testing.dial.DialWorkflow;
import dev.rollgate.workflows.testing.dial.DialWorkflowImpl;
import dev.rollgate.workflows.testing.dial.Dials;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against a real Temporal frontend (the Java test server, port-bound) and a worker running
 * the real rollout workflow and the kit's test-only dial kind, with activity doubles. One server
 * per class (instance state, no statics); each test uses its own flag.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollgateCliTest {
  private TestServer.PortBoundTestServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory factory;
  private InMemoryFlags flags;
  private final Dials dials = new Dials();
  private String address;

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
    worker.registerWorkflowImplementationTypes(
        FlagRolloutWorkflowImpl.class, DialWorkflowImpl.class);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      names.add("flag" + i);
    }
    flags = new InMemoryFlags(System::currentTimeMillis, names.toArray(String[]::new));
    worker.registerActivitiesImplementations(
        flags, new ScriptedGuardrails(), new RecordingAudit(), dials);
    factory.start();
  }

  @AfterAll
  void stop() {
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

  private static void assertOneLineError(Result r, int exit, String contains) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.err()).contains(contains);
    assertThat(r.err().strip().lines()).as("one line on stderr").hasSize(1);
  }

  @Test
  void rolloutIsDrivenThroughPauseResumeApproveAndAbort() {
    Result start =
        cli(
            "rollout",
            "start",
            "flag1",
            "--steps",
            "10,50,100",
            "--hold",
            "1s",
            "--approve-at",
            "50",
            "--by",
            "alice");
    assertThat(start.exit()).as(start.toString()).isZero();
    assertThat(start.out()).contains("started rollout/flag1", "3 steps");

    assertThat(cli("rollout", "pause", "flag1", "--by", "bob", "--reason", "look").out())
        .contains("paused");
    assertThat(cli("rollout", "status", "flag1").out())
        .contains("PAUSED", "Paused     by bob: look");
    assertThat(cli("rollout", "resume", "flag1", "--by", "bob").exit()).isZero();

    awaitPhase("flag1", "AWAITING_APPROVAL");
    assertOneLineError(
        cli("rollout", "approve", "flag1", "--by", "alice"), 1, "alice started this workflow");
    assertThat(cli("rollout", "approve", "flag1", "--by", "bob").out()).contains("1 of 1");

    Result abort = cli("rollout", "abort", "flag1", "--by", "carol", "--reason", "incident");
    assertThat(abort.exit()).as(abort.toString()).isZero();
    awaitPhase("flag1", "ABORTED");
    assertThat(flags.get("flag1").killed()).isTrue();
  }

  @Test
  void sameApproverTwiceIsRefused() {
    cli(
        "rollout",
        "start",
        "flag2",
        "--steps",
        "10,50",
        "--hold",
        "1s",
        "--approve-at",
        "50",
        "--approvers",
        "2",
        "--by",
        "alice");
    awaitPhase("flag2", "AWAITING_APPROVAL");

    assertThat(cli("approve", "rollout/flag2", "--by", "bob").exit()).isZero();
    assertOneLineError(
        cli("approve", "rollout/flag2", "--by", "bob"), 1, "bob has already approved");
    cli("abort", "rollout/flag2", "--by", "bob", "--reason", "done");
  }

  @Test
  void signalToFinishedWorkflowIsRefused() {
    cli("rollout", "start", "flag3", "--steps", "100", "--hold", "1s", "--by", "alice");
    awaitPhase("flag3", "COMPLETED");

    assertOneLineError(
        cli("pause", "rollout/flag3", "--by", "bob"), 1, "has already finished (COMPLETED)");
  }

  @Test
  void secondStartOfTheSameFlagIsRefused() {
    assertThat(
            cli("rollout", "start", "flag4", "--steps", "5,100", "--hold", "1h", "--by", "a")
                .exit())
        .isZero();
    assertOneLineError(
        cli("rollout", "start", "flag4", "--steps", "5,100", "--hold", "1h", "--by", "a"),
        1,
        "already running");
    cli("rollout", "abort", "flag4", "--by", "a", "--reason", "cleanup");
  }

  @Test
  void listShowsRunningRolloutsWithPhaseAndProgress() {
    cli("rollout", "start", "flag5", "--steps", "5,100", "--hold", "1h", "--by", "alice");

    Result list = cli("list");
    assertThat(list.out()).containsPattern("rollout/flag5\\s+rollout\\s+flag5\\s+HOLDING\\s+5 %");
    Result json = cli("list", "--output", "json");
    assertThat(json.out()).contains("\"workflowId\" : \"rollout/flag5\"");
    cli("rollout", "abort", "flag5", "--by", "alice", "--reason", "cleanup");
  }

  @Test
  void unknownWorkflowIdIsOneClearError() {
    assertOneLineError(cli("describe", "rollout/nothing"), 1, "no workflow 'rollout/nothing'");
    assertOneLineError(cli("pause", "rollout/nothing", "--by", "bob"), 1, "no workflow");
  }

  @Test
  void unknownFlagFailsTheStartWithItsReason() {
    assertOneLineError(
        cli("rollout", "start", "ghost", "--steps", "5", "--hold", "1h", "--by", "alice"),
        1,
        "flag 'ghost' does not exist");
  }

  @Test
  void badInputIsAUsageErrorAndStartsNothing() {
    assertOneLineError(
        cli("rollout", "start", "flag6", "--steps", "5,150", "--hold", "1h", "--by", "a"),
        2,
        "outside 0-100");
    assertOneLineError(
        cli("rollout", "start", "flag6", "--steps", "50,10", "--hold", "1h", "--by", "a"),
        2,
        "strictly increasing");
    assertOneLineError(
        cli("rollout", "start", "flag6", "--steps", "5,10", "--hold", "0s", "--by", "a"),
        2,
        "longer than zero");
    assertOneLineError(
        cli("rollout", "start", "flag6", "--steps", "5,10", "--hold", "-1h", "--by", "a"),
        2,
        "not a duration");
    assertOneLineError(
        cli(
            "rollout", "start", "flag6", "--to", "100", "--over", "1d", "--every", "2d", "--by",
            "a"),
        2,
        "longer than the ramp");
    assertOneLineError(
        cli("rollout", "start", "bad name", "--steps", "5", "--hold", "1h", "--by", "a"),
        2,
        "may contain only");
    assertOneLineError(
        cli("rollout", "start", "x".repeat(129), "--steps", "5", "--hold", "1h", "--by", "a"),
        2,
        "at most 128");
    assertOneLineError(
        cli(
            "rollout",
            "start",
            "flag6",
            "--steps",
            "5",
            "--hold",
            "1h",
            "--by",
            "a",
            "--guardrail",
            "errors: rate(x[5m])"),
        2,
        "no comparison");
    assertOneLineError(
        cli("rollout", "start", "flag6", "--steps", "1,50.005,100", "--hold", "1h", "--by", "a"),
        2,
        "--steps 50.005 is finer than one basis point");
    assertOneLineError(
        cli(
            "rollout",
            "start",
            "flag6",
            "--steps",
            "1,100",
            "--hold",
            "1h",
            "--approve-at",
            "0.001",
            "--by",
            "a"),
        2,
        "--approve-at 0.001 is finer than one basis point");
    assertOneLineError(
        run("flags", "set", "flag6", "--percent", "50.005", "--by", "a"),
        2,
        "--percent 50.005 is finer than one basis point: use at most two decimals (0.01 %)");
    assertOneLineError(
        run("flags", "set", "flag6", "--percent", "half", "--by", "a"), 2, "is not a number");
    assertOneLineError(cli("rollout", "start", "flag6", "--by", "a"), 2, "Missing required");
    assertOneLineError(cli("abort", "rollout/flag6", "--by", "a"), 2, "--reason");
    assertThat(cli("describe", "rollout/flag6").err()).contains("no workflow");
  }

  @Test
  void oversizedOperatorTextIsAUsageErrorAndNothingIsSent(@TempDir Path dir) throws Exception {
    cli("rollout", "start", "flag17", "--steps", "5,100", "--hold", "1h", "--by", "alice");
    awaitPhase("flag17", "HOLDING");
    // the reported case: a 1 MB reason through picocli's @file argument expansion
    Path args = dir.resolve("abort-args");
    Files.writeString(args, "--reason " + "x".repeat(1 << 20));

    assertOneLineError(
        cli("rollout", "abort", "flag17", "--by", "bob", "@" + args),
        2,
        "--reason is 1048576 characters long, at most 1000 are accepted");
    assertOneLineError(
        cli("pause", "rollout/flag17", "--by", "b".repeat(101)), 2, "--by is 101 characters");
    assertOneLineError(
        cli("approve", "rollout/flag17", "--by", "bob", "--comment", "c".repeat(1001)),
        2,
        "--comment is 1001 characters");
    assertOneLineError(
        cli(
            "rollout",
            "start",
            "flag16",
            "--steps",
            "5",
            "--hold",
            "1h",
            "--by",
            "a",
            "--reason",
            "r".repeat(1001)),
        2,
        "--reason is 1001 characters");
    assertThat(cli("rollout", "status", "flag17", "-o", "json").out())
        .contains("\"phase\" : \"HOLDING\"", "\"rejected\" : [ ]");
    assertThat(flags.get("flag17").killed()).isFalse();
    assertThat(cli("describe", "rollout/flag16").err()).contains("no workflow");

    Result atTheLimit =
        cli("rollout", "abort", "flag17", "--by", "b".repeat(100), "--reason", "r".repeat(1000));
    assertThat(atTheLimit.exit()).as(atTheLimit.toString()).isZero();
    awaitPhase("flag17", "ABORTED");
  }

  @Test
  void statusOfATerminatedWorkflowIsOneLine() {
    cli("rollout", "start", "flag18", "--steps", "5,100", "--hold", "1h", "--by", "alice");
    awaitPhase("flag18", "HOLDING");
    WorkflowClient.newInstance(service)
        .newUntypedWorkflowStub("rollout/flag18")
        .terminate("terminated by hand");

    for (String[] command :
        List.of(
            new String[] {"rollout", "status", "flag18"},
            new String[] {"status", "rollout/flag18"},
            new String[] {"rollout", "status", "flag18", "-o", "json"})) {
      // JSON: {"workflowId", "phase": "TERMINATED", "message"} on five lines
      Result r = cli(command);
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.out())
          .as(String.join(" ", command))
          .contains("TERMINATED by Temporal", "terminated by hand", "did not end itself")
          .doesNotContain("HOLDING");
      assertThat(r.out().strip().lines()).as(r.toString()).hasSize(command.length > 3 ? 5 : 1);
    }
  }

  @Test
  void temporalUnreachableAnswersWithinTenSeconds() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    Result r = run("list", "--address", "127.0.0.1:" + closed);
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertOneLineError(r, 1, "cannot reach Temporal at 127.0.0.1:" + closed);
    assertThat(millis).isLessThan(10_000);
  }

  // A wrong namespace is checked against the real Temporal dev server in .ci/e2e: the Java test
  // server accepts any namespace name.

  @Test
  void statusFailsWhenTheWorkerIsUnreachable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Result r = cli("status", "--worker-url", "http://127.0.0.1:" + closed);
    assertThat(r.out()).contains("reachable, namespace default");
    assertOneLineError(r, 1, "is UNREACHABLE");
  }

  @Test
  void rolloutStatusAsJsonIsMachineReadable() throws Exception {
    cli("rollout", "start", "flag7", "--steps", "5,100", "--hold", "1h", "--by", "alice");
    JsonNode status = Console.JSON.readTree(cli("rollout", "status", "flag7", "-o", "json").out());
    assertThat(status.path("phase").asText()).isEqualTo("HOLDING");
    assertThat(status.path("currentPercent").asDouble()).isEqualTo(5.0);
    assertThat(status.path("nextPercent").asDouble()).isEqualTo(100.0);
    cli("rollout", "abort", "flag7", "--by", "alice", "--reason", "cleanup");
  }

  private void awaitPhase(String flag, String phase) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> phaseOf(flag), phase::equals);
  }

  private String phaseOf(String flag) throws java.io.IOException {
    Result r = cli("rollout", "status", flag, "-o", "json");
    return r.exit() == 0 ? Console.JSON.readTree(r.out()).path("phase").asText() : r.err();
  }

  @Test
  void helpWorksOnEveryCommandAndSubcommand() {
    List<List<String>> paths = new ArrayList<>();
    collect(RollgateCli.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).hasSizeGreaterThan(20);
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertThat(r.exit()).as("%s --help: %s", path, r).isZero();
      assertThat(r.out()).as("%s --help", path).contains("Usage: rollgate");
    }
    assertThat(run("rollout", "start", "--help").out())
        .contains("Usage: rollgate rollout start", "--guardrail", "--analysis");
    assertThat(run("help", "rollout", "start").out()).contains("Usage: rollgate rollout start");
    assertThat(run("--help").out()).contains("Exit codes: 0 done, 1 refused or failed, 2 bad");
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
    out.add(path);
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, out);
              }
            });
  }

  @Test
  void malformedAddressIsOneUsageLine() {
    assertOneLineError(run("list", "--address", "not an address"), 2, "is not HOST:PORT");
    assertOneLineError(run("list", "--address", "127.0.0.1:99999"), 2, "is not HOST:PORT");
    assertOneLineError(cli("pause", "new_checkout", "--by", "bob"), 2, "is not a workflow id");
    assertOneLineError(cli("rollout", "pause", "a/b", "--by", "bob"), 2, "may contain only");
  }

  @Test
  void genericVerbsWorkForAKindTheyHaveNoCodeFor() {
    DialWorkflow dial =
        WorkflowClient.newInstance(service)
            .newWorkflowStub(
                DialWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("dial/bass")
                    .setTaskQueue(TaskQueues.ROLLGATE)
                    .build());
    WorkflowClient.start(dial::turn, DialRequest.of("bass", "alice", Duration.ofHours(1), 3, 7));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Integer.valueOf(3).equals(dials.value.get("bass")));

    assertThat(cli("status", "dial/bass").out()).contains("Release    dial bass", "HOLDING");
    assertThat(cli("list").out()).containsPattern("dial/bass\\s+dial\\s+bass\\s+HOLDING");
    assertThat(cli("pause", "dial/bass", "--by", "bob").out()).contains("dial/bass: paused");
    assertOneLineError(cli("pause", "dial/bass", "--by", "carol"), 1, "already paused by bob");
    assertThat(cli("describe", "dial/bass").out()).contains("Type       Dial", "PAUSED");
    assertThat(cli("abort", "dial/bass", "--by", "bob", "--reason", "done").exit()).isZero();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Integer.valueOf(0).equals(dials.value.get("bass")));
  }
}
