package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.CanaryMetric;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.DeployResult;
import dev.rollgate.workflows.deploy.DeploymentWorkflow;
import dev.rollgate.workflows.deploy.DeploymentWorkflowImpl;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.RollbackTriggers;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.SmokeCheck;
import dev.rollgate.workflows.deploy.Stage;
import dev.rollgate.workflows.deploy.StageReport;
import dev.rollgate.workflows.deploy.TrafficActivities;
import dev.rollgate.workflows.deploy.TrafficSplit;
import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.deploy.ScriptedAnalysis;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * The AWS path end to end: the real {@link DeploymentWorkflowImpl} (Temporal's time-skipping test
 * environment) with the real {@link TrafficActivitiesImpl} ({@link AlbRouter}) and {@link
 * EnvironmentActivitiesImpl} against a real local AWS API (moto_server) through the real SDK: an
 * ALB with target groups, listeners and a rule, an ECS cluster with two services. The listener's
 * (or rule's) forward weights are read back with DescribeListeners / DescribeRules after every
 * shift, and every ELBv2 / ECS call the activities make is recorded by an SDK interceptor.
 *
 * <p>moto routes no traffic and runs no tasks, so what depends on traffic comes from elsewhere:
 * health and smoke checks go to a JDK HTTP server standing in for the new side's endpoint, and the
 * canary analysis is <b>stubbed at the metrics source</b>: {@link ScriptedAnalysis} (the workflows'
 * test double) answers each measurement with the PASS or FAIL this test chooses, and keeps the
 * stage reports saved. The audit log is the workflows' in-memory {@link RecordingAudit}.
 */
class AwsDeploymentIT {
  private static final Duration INTERVAL = Duration.ofMinutes(1);

  private static MotoAws moto;
  private static EcsClient admin;
  private static String blue;
  private static String green;
  private static HttpServer web;
  private static String newSide;
  private static final AtomicInteger smokeStatus = new AtomicInteger(200);

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(DeploymentWorkflowImpl.class);

  /** ELBv2 and ECS operations the activities called, in order (e.g. {@code ModifyListener}). */
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private final ExecutionInterceptor recorder =
      new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes a) {
          calls.add(a.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        }
      };

  private final ElasticLoadBalancingV2Client elb = moto.elb(recorder);
  private final EcsClient ecs = moto.ecs(recorder);
  private final RecordingAudit audit = new RecordingAudit();
  private ScriptedAnalysis analysis;
  private WatchedTraffic traffic;
  private WorkflowClient client;
  private String queue;

  @BeforeAll
  static void start() throws IOException {
    moto = MotoAws.start(Path.of("target", "aws-deployment-it"));
    admin = moto.aws.ecs();
    blue = moto.targetGroup("app-blue");
    green = moto.targetGroup("app-green");
    web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    web.createContext(
        "/",
        x -> {
          int status = x.getRequestURI().getPath().startsWith("/smoke") ? smokeStatus.get() : 200;
          byte[] body = (status == 200 ? "app 2.0.0 ok" : "boom").getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(status, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    web.start();
    newSide = "http://127.0.0.1:" + web.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    if (web != null) {
      web.stop(0);
    }
    if (admin != null) {
      admin.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @AfterEach
  void closeClients() {
    elb.close();
    ecs.close();
    smokeStatus.set(200);
  }

  private void startWorker(TestWorkflowEnvironment env, Worker worker) {
    analysis = new ScriptedAnalysis(env::currentTimeMillis);
    traffic =
        new WatchedTraffic(new TrafficActivitiesImpl(new HaproxyRouter(), new AlbRouter(elb)));
    worker.registerActivitiesImplementations(
        traffic,
        new EnvironmentActivitiesImpl(ecs, Duration.ofMillis(100), Duration.ofSeconds(2)),
        analysis,
        audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  /** The real traffic activities; after each shift, the weights moto reports for the scope. */
  private static final class WatchedTraffic implements TrafficActivities {
    final List<String> weightsAfterShift = new CopyOnWriteArrayList<>();
    private final TrafficActivities real;

    WatchedTraffic(TrafficActivities real) {
      this.real = real;
    }

    @Override
    public void validate(Router router) {
      real.validate(router);
    }

    @Override
    public TrafficSplit read(Router router) {
      return real.read(router);
    }

    @Override
    public TrafficSplit shift(Router router, TrafficSplit split) {
      TrafficSplit now = real.shift(router, split);
      weightsAfterShift.add(weights(router.scope()));
      return now;
    }

    @Override
    public List<ServerState> servers(Router router) {
      return real.servers(router);
    }
  }

  /** {@code blue/green} weights of the scope's forward action, as DescribeListeners/Rules say. */
  private static String weights(String scope) {
    Map<String, Integer> w = moto.weightsOf(scope);
    return w.get(blue) + "/" + w.get(green);
  }

  private static CanaryAnalysis canaryAnalysis() {
    return new CanaryAnalysis(
        "app-green",
        "app-blue",
        "app",
        List.of(new CanaryMetric("error_ratio", "errors{side=\"{{side}}\"}", 0.02, true)),
        Duration.ofMinutes(1),
        Duration.ofSeconds(1),
        50,
        0.98,
        0.25,
        true,
        RollbackTriggers.defaults(),
        new Analysis(INTERVAL, Duration.ZERO, 1, 0, 0, 4, false));
  }

  private static List<Stage> stages(Duration hold) {
    return List.of(new Stage(10, hold), new Stage(50, hold), new Stage(100, Duration.ZERO));
  }

  private static DeployRequest.Builder canary(String service, String scope) {
    return DeployRequest.builder()
        .service(service)
        .version("2.0.0")
        .initiator("alice")
        .reason("AwsDeploymentIT")
        .strategy(DeployRequest.CANARY)
        .router(new Router(Router.ALB, null, scope, blue, green))
        .analysis(canaryAnalysis());
  }

  private DeploymentWorkflow start(DeployRequest request) {
    String id = DeploymentWorkflow.workflowId(request.service());
    DeploymentWorkflow wf =
        client.newWorkflowStub(
            DeploymentWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(queue).build());
    WorkflowClient.start(wf::deploy, request);
    return client.newWorkflowStub(DeploymentWorkflow.class, id);
  }

  private static DeployResult result(DeploymentWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(DeployResult.class);
  }

  /** The calls that change something (neither Describe* nor List*), in order. */
  private List<String> changes() {
    return calls.stream().filter(c -> !c.startsWith("Describe") && !c.startsWith("List")).toList();
  }

  // ---- canary ----

  @Test
  void aGoodCanaryOnTheListenerGoesThroughEveryStage(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    String listener = moto.listener(8001, MotoAws.forward(blue, 100, green, 0));

    DeployResult result =
        result(
            start(canary("canary-ok", listener).stages(stages(INTERVAL.multipliedBy(2))).build()));

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.split()).isEqualTo(new TrafficSplit(0, 100));
    assertThat(traffic.weightsAfterShift).containsExactly("90/10", "50/50", "0/100");
    assertThat(weights(listener)).isEqualTo("0/100");
    assertThat(changes()).containsExactly("ModifyListener", "ModifyListener", "ModifyListener");
    // holds of two intervals, checked every half interval (the hold's last slice has none): three
    // drift reads and trigger checks per hold, one background analysis
    assertThat(analysis.triggerChecks).hasValue(6);
    assertThat(analysis.verdicts())
        .containsExactly("10 %=PROCEED", "50 %=PROCEED", "100 %=PROCEED");
    assertThat(audit.actions()).contains("alice:deploy-started", "rollgate:deploy-completed");
  }

  @Test
  void aCanaryOnARuleFailingItsAnalysisAtTheFiftyPercentGateIsRolledBack(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    String listener = moto.listener(8002, MotoAws.forward(blue, 100, green, 0));
    String rule = moto.rule(listener, 10, "/api/*", MotoAws.forward(blue, 100, green, 0));
    // the metrics say the canary errs: holds shorter than the interval measure nothing, so the
    // first measurement is the gate before 50 %
    analysis.canary.set(Verdict.FAIL);

    DeploymentWorkflow wf =
        start(canary("canary-bad", rule).stages(stages(Duration.ofSeconds(30))).build());
    DeployResult result = result(wf);

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.split()).isEqualTo(TrafficSplit.ALL_STABLE);
    assertThat(result.summary()).contains("error_ratio", "read back");
    assertThat(traffic.weightsAfterShift).containsExactly("90/10", "100/0");
    assertThat(weights(rule)).isEqualTo("100/0");
    assertThat(weights(listener)).isEqualTo("100/0");
    assertThat(changes()).containsExactly("ModifyRule", "ModifyRule");
    assertThat(analysis.analyses).hasValue(1);
    // the breach is reported under the split it was measured at; the stage that failed is 50 %
    assertThat(analysis.verdicts()).containsExactly("10 %=ROLLBACK", "rollback=ROLLBACK");
    assertThat(wf.status().retryFrom().stage()).isEqualTo(1);
    assertThat(wf.status().retryFrom().restore()).isEqualTo(new TrafficSplit(90, 10));
    StageReport rollback = analysis.reports.getLast();
    assertThat(rollback.notes()).anyMatch(n -> n.contains("90/10 -> 100/0, read back"));
    assertThat(audit.actions())
        .contains("rollgate:traffic-rollback", "rollgate:deploy-rolled_back");
  }

  // ---- blue-green on ECS ----

  /** A cluster with the live service (blue, app:1.0.0, 2 tasks) and the idle one (green, 0). */
  private Environment cluster(String name) {
    admin.createCluster(r -> r.clusterName(name));
    String first =
        admin
            .registerTaskDefinition(
                r ->
                    r.family(name + "-app")
                        .containerDefinitions(
                            c -> c.name("app").image("repo/app:1.0.0").memory(128)))
            .taskDefinition()
            .taskDefinitionArn();
    admin.createService(
        r -> r.cluster(name).serviceName("app-blue").taskDefinition(first).desiredCount(2));
    admin.createService(
        r -> r.cluster(name).serviceName("app-green").taskDefinition(first).desiredCount(0));
    return new Environment(
        Environment.ECS, name, "app-blue", "app-green", name + "-app", "repo/app", 2);
  }

  private static Service service(Environment e, String name) {
    return admin.describeServices(r -> r.cluster(e.cluster()).services(name)).services().getFirst();
  }

  private static String imageOf(String taskDefinition) {
    return admin
        .describeTaskDefinition(r -> r.taskDefinition(taskDefinition))
        .taskDefinition()
        .containerDefinitions()
        .getFirst()
        .image();
  }

  private DeployRequest.Builder blueGreen(String service, String listener, Environment e) {
    return canary(service, listener)
        .strategy(DeployRequest.BLUE_GREEN)
        .stages(stages(Duration.ofSeconds(30)))
        .environment(e)
        .canaryUrl(newSide)
        .smoke(List.of(new SmokeCheck("/smoke/version", 200, "2.0.0")))
        .rollbackWindow(INTERVAL.multipliedBy(2));
  }

  @Test
  void blueGreenPreparesTheIdleServiceShiftsThenRetiresTheOldOne(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    String listener = moto.listener(8003, MotoAws.forward(blue, 100, green, 0));
    Environment e = cluster("bg-ok");

    DeployResult result = result(start(blueGreen("bg-ok", listener, e).build()));

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.weightsAfterShift).containsExactly("90/10", "50/50", "0/100");
    assertThat(weights(listener)).isEqualTo("0/100");
    Service idle = service(e, "app-green");
    assertThat(idle.taskDefinition()).endsWith("bg-ok-app:2");
    assertThat(imageOf(idle.taskDefinition())).isEqualTo("repo/app:2.0.0");
    assertThat(idle.desiredCount()).isEqualTo(2);
    Service old = service(e, "app-blue");
    assertThat(old.desiredCount()).isZero();
    assertThat(old.taskDefinition()).endsWith("bg-ok-app:1");
    // the idle side first, traffic next, the old side retired last
    assertThat(changes())
        .containsExactly(
            "RegisterTaskDefinition",
            "UpdateService",
            "ModifyListener",
            "ModifyListener",
            "ModifyListener",
            "UpdateService");
    assertThat(analysis.verdicts().getFirst()).isEqualTo("smoke=PROCEED");
    assertThat(analysis.reports.getFirst().notes())
        .anyMatch(n -> n.contains("/smoke/version -> 200"));
    assertThat(audit.actions())
        .containsSubsequence(
            "rollgate:idle-side-prepared",
            "rollgate:traffic-shift",
            "rollgate:deploy-committed",
            "rollgate:side-retired");
  }

  @Test
  void blueGreenWhoseSmokeCheckFailsNeverMovesTrafficAndScalesTheIdleSideBackToZero(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    smokeStatus.set(500);
    String listener = moto.listener(8004, MotoAws.forward(blue, 100, green, 0));
    Environment e = cluster("bg-smoke");

    DeployResult result = result(start(blueGreen("bg-smoke", listener, e).build()));

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.summary()).contains("smoke");
    assertThat(traffic.weightsAfterShift).isEmpty();
    assertThat(weights(listener)).isEqualTo("100/0");
    // the idle side was prepared with the new version, then the rollback scaled it back to 0;
    // the live side is untouched
    Service idle = service(e, "app-green");
    assertThat(imageOf(idle.taskDefinition())).isEqualTo("repo/app:2.0.0");
    assertThat(idle.desiredCount()).isZero();
    Service old = service(e, "app-blue");
    assertThat(old.desiredCount()).isEqualTo(2);
    assertThat(old.taskDefinition()).endsWith("bg-smoke-app:1");
    assertThat(changes())
        .containsExactly("RegisterTaskDefinition", "UpdateService", "UpdateService");
    assertThat(analysis.verdicts()).containsExactly("smoke=ROLLBACK");
    assertThat(analysis.reports.getFirst().notes())
        .anyMatch(n -> n.contains("/smoke/version -> 500 (expected 200)"));
    assertThat(audit.actions())
        .contains(
            "rollgate:idle-side-prepared", "rollgate:side-retired", "rollgate:deploy-rolled_back")
        .doesNotContain("rollgate:traffic-shift");
  }

  // ---- bad input ----

  @Test
  void aTargetGroupThatDoesNotExistIsNotFoundAtValidationAndNothingIsModified(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    String listener = moto.listener(8005, MotoAws.forward(blue, 100, green, 0));
    String missing = green.substring(0, green.lastIndexOf('/') + 1) + "0000000000000000";
    DeployRequest request =
        canary("bad-input", listener)
            .stages(stages(Duration.ofSeconds(30)))
            .router(new Router(Router.ALB, null, listener, blue, missing))
            .build();

    DeploymentWorkflow wf = start(request);

    assertThatThrownBy(() -> result(wf))
        .isInstanceOf(WorkflowFailedException.class)
        .satisfies(
            f -> {
              Throwable cause = f.getCause();
              if (cause instanceof ActivityFailure a) {
                cause = a.getCause();
              }
              assertThat(cause).isInstanceOf(ApplicationFailure.class);
              ApplicationFailure app = (ApplicationFailure) cause;
              assertThat(app.getType()).isEqualTo("NOT_FOUND");
              assertThat(app.getOriginalMessage()).contains("no target group " + missing);
            });
    assertThat(wf.status().phase()).isEqualTo(Phase.FAILED);
    // validation only (the listener, its load balancer, both target groups), once: no read, no
    // shift
    assertThat(calls)
        .containsExactly(
            "DescribeListeners",
            "DescribeListeners",
            "DescribeTargetGroups",
            "DescribeTargetGroups");
    assertThat(weights(listener)).isEqualTo("100/0");
  }
}
