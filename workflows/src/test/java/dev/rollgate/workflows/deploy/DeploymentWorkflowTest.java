package dev.rollgate.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.gate.Verdict;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.deploy.DeployRequests;
import dev.rollgate.workflows.testing.deploy.FakeEnvironments;
import dev.rollgate.workflows.testing.deploy.FakeTraffic;
import dev.rollgate.workflows.testing.deploy.ScriptedAnalysis;
import dev.rollgate.workflows.testing.deploy.SlowCall;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The deployment kind with in-memory activities (the real routers, Prometheus and ECS are covered
 * by the activities' tests and e2e): promotion, rollback read back, policies, drift, retry,
 * blue-green, approvals and bad input.
 */
class DeploymentWorkflowTest {
  static final String SERVICE = DeployRequests.SERVICE;
  static final String ID = DeploymentWorkflow.workflowId(SERVICE);
  static final Duration INTERVAL = DeployRequests.INTERVAL;
  static final Router ROUTER = DeployRequests.ROUTER;
  static final TrafficSplit ALL_STABLE = TrafficSplit.ALL_STABLE;

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(DeploymentWorkflowImpl.class);

  private FakeTraffic traffic;
  private ScriptedAnalysis analysis;
  private final FakeEnvironments environments = new FakeEnvironments();
  private final RecordingAudit audit = new RecordingAudit();
  private WorkflowClient client;
  private String queue;
  private TestWorkflowEnvironment env;

  private void startWorker(TestWorkflowEnvironment env, Worker worker) {
    this.env = env;
    traffic = new FakeTraffic(env::currentTimeMillis);
    analysis = new ScriptedAnalysis(env::currentTimeMillis);
    worker.registerActivitiesImplementations(traffic, analysis, environments, audit);
    env.start();
    client = env.getWorkflowClient();
    queue = worker.getTaskQueue();
  }

  static DeployRequest.Builder canary() {
    return DeployRequests.canary();
  }

  private DeploymentWorkflow start(DeployRequest request) {
    DeploymentWorkflow wf =
        client.newWorkflowStub(
            DeploymentWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(queue).build());
    WorkflowClient.start(wf::deploy, request);
    return client.newWorkflowStub(DeploymentWorkflow.class, ID);
  }

  private static DeployResult result(DeploymentWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(DeployResult.class);
  }

  private static void assertFails(DeploymentWorkflow wf, String type, String message) {
    assertThatThrownBy(() -> result(wf))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(type);
              assertThat(f.getOriginalMessage()).contains(message);
            });
  }

  private long auditCount(String action) {
    return audit.entries.stream().filter(e -> e.action().equals(action)).count();
  }

  // ---- canary ----

  @Test
  void aGoodCanaryIsPromotedThroughEveryStage(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().warmUp(new WarmUp("http://lb/", 10, INTERVAL)).build());

    DeployResult result = result(wf);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.split()).isEqualTo(new TrafficSplit(0, 100));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(0, 100));
    assertThat(traffic.shifts)
        .containsExactly(
            new TrafficSplit(95, 5),
            new TrafficSplit(75, 25),
            new TrafficSplit(50, 50),
            new TrafficSplit(0, 100));
    assertThat(analysis.verdicts())
        .containsExactly("5 %=PROCEED", "25 %=PROCEED", "50 %=PROCEED", "100 %=PROCEED");
    assertThat(analysis.reports.getFirst().analyses()).isNotEmpty();
    assertThat(analysis.reports.getFirst().notes()).anyMatch(n -> n.startsWith("warm-up: 600"));
    assertThat(analysis.warmUps).containsExactly("http://lb/");
    assertThat(auditCount("traffic-shift")).isEqualTo(4);
    assertThat(audit.actions()).contains("alice:deploy-started", "rollgate:deploy-completed");
    DeployStatus status = wf.status();
    assertThat(status.release().position()).isEqualTo("canary 100 % (stage 4 of 4)");
    assertThat(status.retryFrom()).isNull();
    recordHistory(client, "deploy-promoted");
  }

  @Test
  void aBadCanaryIsRolledBackWithinHalfAnIntervalAndTheRouterIsReadBack(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(3).plusSeconds(30));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    long errorsStart = env.currentTimeMillis();
    analysis.triggers.set(Verdict.FAIL);

    DeployResult result = result(wf);

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.split()).isEqualTo(ALL_STABLE);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
    assertThat(traffic.shifts).containsExactly(new TrafficSplit(95, 5), ALL_STABLE);
    // the triggers are checked every half interval during a hold (the metrics' own lag, which a
    // real Prometheus adds, is what the other half is for)
    assertThat(traffic.shiftTimes.getLast() - errorsStart)
        .isLessThanOrEqualTo(INTERVAL.toMillis() / 2);
    assertThat(result.summary()).contains("rolled back", "trigger error_ratio", "read back");
    assertThat(analysis.verdicts()).containsExactly("5 %=ROLLBACK", "rollback=ROLLBACK");
    StageReport rollback = analysis.reports.getLast();
    assertThat(rollback.notes()).anyMatch(n -> n.contains("95/5 -> 100/0, read back"));
    assertThat(audit.actions())
        .contains("rollgate:traffic-rollback", "rollgate:deploy-rolled_back");
    recordHistory(client, "deploy-rolled-back");
    assertThat(wf.status().retryFrom())
        .isEqualTo(new ResumeFrom(0, ALL_STABLE, wf.status().retryFrom().previousRunId()));
  }

  @Test
  void aHoldChecksTriggersAndDriftEveryHalfIntervalAndAnalysesOncePerInterval(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf =
        start(
            canary()
                .stages(
                    List.of(new Stage(10, Duration.ofMinutes(10)), new Stage(100, Duration.ZERO)))
                .build());
    env.sleep(Duration.ofSeconds(1));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(90, 10));
    int analysesBefore = analysis.analyses.get();
    int triggersBefore = analysis.triggerChecks.get();
    int readsBefore = traffic.reads.get();

    env.sleep(Duration.ofMinutes(5));

    // 10 half-interval checks in 5 minutes; the background analysis on every second one
    assertThat(analysis.triggerChecks.get() - triggersBefore).isEqualTo(10);
    assertThat(traffic.reads.get() - readsBefore).isEqualTo(10);
    assertThat(analysis.analyses.get() - analysesBefore).isEqualTo(5);
    assertThat(result(wf).phase()).isEqualTo(Phase.COMPLETED);
  }

  @Test
  void aFailedGateBeforeAShiftRollsBackUnderAuto(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.canary.set(Verdict.FAIL);
    DeploymentWorkflow wf = start(canary().build());

    DeployResult result = result(wf);

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
    assertThat(result.summary()).contains("guardrail breach; error_ratio: canary 0.31 > max 0.02");
  }

  @Test
  void policyPausePausesAndKeepsTheSplit(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.canary.set(Verdict.FAIL);
    DeploymentWorkflow wf = start(canary().rollback(RollbackPolicy.PAUSE).build());
    env.sleep(Duration.ofMinutes(5));

    DeployStatus status = wf.status();
    assertThat(status.phase()).isEqualTo(Phase.PAUSED);
    assertThat(status.release().gate().pausedBy()).isEqualTo("rollgate");
    assertThat(status.release().gate().pauseReason()).contains("breach", "error_ratio");
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    assertThat(analysis.verdicts()).contains("5 % pause 1=PAUSE");

    wf.abort(new OperatorCommand("bob", "bad canary"));
    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
  }

  @Test
  void policyNeverRecordsTheBreachAndGoesOn(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.canary.set(Verdict.FAIL);
    analysis.triggers.set(Verdict.FAIL);
    DeploymentWorkflow wf = start(canary().rollback(RollbackPolicy.NEVER).build());

    DeployResult result = result(wf);

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(0, 100));
    assertThat(audit.actions()).contains("rollgate:breach-ignored");
    assertThat(analysis.verdicts()).anyMatch(v -> v.contains("(ignored: policy never)=PROCEED"));
  }

  @Test
  void abortMidHoldSendsAllTrafficToStableAtOnce(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(14));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(75, 25));

    wf.abort(new OperatorCommand("bob", "incident"));
    env.sleep(Duration.ofSeconds(1));
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);

    DeployResult result = result(wf);
    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(result.summary()).contains("aborted by bob: incident", "75/25 -> 100/0, read back");
    assertThat(analysis.verdicts()).contains("rollback=ROLLBACK");
  }

  @Test
  void aRollbackTheRouterDoesNotConfirmFailsTheReleaseLoudly(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(3));
    traffic.lyingRead.set(new TrafficSplit(95, 5));

    wf.abort(new OperatorCommand("bob", "incident"));

    assertFails(wf, "COMPENSATION_FAILED", "rollback did not happen");
    assertThat(wf.status().phase()).isEqualTo(Phase.FAILED);
    assertThat(wf.status().release().outcome()).contains("UNDO FAILED", "reads 95/5");
  }

  @Test
  void driftIsReadBackAndReapplied(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.drift("app", ALL_STABLE); // an HAProxy reload without a server-state file

    env.sleep(Duration.ofMinutes(1));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    assertThat(audit.entries)
        .filteredOn(e -> e.action().equals("traffic-drift"))
        .singleElement()
        .satisfies(e -> assertThat(e.details()).contains("reads 100/0, set 95/5; re-applied 95/5"));
    wf.abort(new OperatorCommand("bob", "done"));
    result(wf);
  }

  @Test
  void driftPausesFirstUnderPolicyPause(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().rollback(RollbackPolicy.PAUSE).build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.drift("app", ALL_STABLE);
    env.sleep(Duration.ofMinutes(1));

    assertThat(wf.status().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.status().release().gate().pauseReason()).contains("traffic drift");
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
    wf.resume(new OperatorCommand("bob", "reloaded on purpose"));
    env.sleep(Duration.ofSeconds(5));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    wf.abort(new OperatorCommand("bob", "done"));
    result(wf);
  }

  // ---- server states: a side that takes no traffic is drift ----

  @Test
  void aCanaryInMaintDuringAHoldPausesSayingSoUnderPolicyPause(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().rollback(RollbackPolicy.PAUSE).build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.states.put("green", "MAINT");
    env.sleep(Duration.ofMinutes(1));

    assertThat(wf.status().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.status().release().gate().pauseReason())
        .contains("server green (canary) is in MAINT")
        .doesNotContain("no data");
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    wf.abort(new OperatorCommand("bob", "done"));
    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
  }

  @Test
  void aCanaryInMaintDuringAHoldRollsBackUnderAuto(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.states.put("green", "DOWN");

    DeployResult result = result(wf);
    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.summary()).contains("server green (canary) is in DOWN");
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
  }

  @Test
  void aStableServerInMaintPausesEvenUnderAuto(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.states.put("blue", "MAINT");
    // off the hold's 30 s check grid: a verb sent just as a check is due can strand the run on the
    // time-skipping server
    env.sleep(Duration.ofMinutes(1).plusSeconds(10));

    // a rollback would send everything to a server that takes nothing: a human decides
    assertThat(wf.status().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.status().release().gate().pauseReason())
        .contains("server blue (stable) is in MAINT: all traffic goes to the canary");
    traffic.states.remove("blue");
    wf.resume(new OperatorCommand("bob", "blue is back"));
    // the check that paused resumes where it was: the grid now runs from the resume, off it again
    env.sleep(Duration.ofMinutes(1).plusSeconds(10));
    assertThat(wf.status().phase()).isNotEqualTo(Phase.PAUSED);
    wf.abort(new OperatorCommand("bob", "done"));
    result(wf);
  }

  @Test
  void aPauseDuringTheAnalysisBeforeAShiftHoldsTheShiftAndMeasuresAgainAfterTheResume(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.slowAnalyze.arm();
    DeploymentWorkflow wf =
        start(
            canary()
                .stages(List.of(new Stage(5, Duration.ZERO), new Stage(100, Duration.ZERO)))
                .build());
    awaitInFlight(analysis.slowAnalyze, false);

    wf.pause(new OperatorCommand("bob", "look first"));
    analysis.slowAnalyze.release(); // the analysis passes, while paused
    env.sleep(Duration.ofHours(1));

    assertThat(wf.status().phase()).isEqualTo(Phase.PAUSED);
    assertThat(traffic.shifts).containsExactly(new TrafficSplit(95, 5));
    assertThat(analysis.analyses).hasValue(1);
    wf.resume(new OperatorCommand("bob", "go on"));
    assertThat(result(wf).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.shifts).containsExactly(new TrafficSplit(95, 5), new TrafficSplit(0, 100));
    assertThat(analysis.analyses).hasValue(2); // an hour later: measured again before the shift
    recordHistory(client, "deploy-paused-before-shift");
  }

  // ---- nothing races the rollback (every router and side change goes through one chain) ----

  /** Waits (in the workflow's time) until the slow call has started. */
  private void awaitInFlight(SlowCall call, boolean skipTime) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              if (skipTime && !call.entered()) {
                env.sleep(Duration.ofSeconds(5));
              }
              return call.entered();
            });
  }

  /**
   * Aborts while a change is in flight, gives the undo time to (wrongly) overtake it, lets it land.
   */
  private void abortWhileInFlight(DeploymentWorkflow wf, SlowCall call) {
    wf.abort(new OperatorCommand("bob", "incident"));
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    call.release();
  }

  @Test
  void anAbortDuringAStageShiftUndoesItOnceItHasLanded(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    traffic.slowShift.arm();
    DeploymentWorkflow wf = start(canary().build());
    awaitInFlight(traffic.slowShift, false);

    abortWhileInFlight(wf, traffic.slowShift);

    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
    assertThat(traffic.shifts).containsExactly(new TrafficSplit(95, 5), ALL_STABLE);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
  }

  @Test
  void anAbortDuringADriftReapplyUndoesAfterItNeverBefore(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(2).plusSeconds(30));
    traffic.drift("app", ALL_STABLE); // the next check re-applies 95/5, slowly
    traffic.slowShift.arm();
    awaitInFlight(traffic.slowShift, true);

    abortWhileInFlight(wf, traffic.slowShift);

    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
    // the re-apply landed first, the rollback after it: the router ends on stable
    assertThat(traffic.shifts).endsWith(new TrafficSplit(95, 5), ALL_STABLE);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
    assertThat(audit.actions())
        .containsSubsequence("rollgate:traffic-drift", "rollgate:traffic-rollback");
  }

  @Test
  void anAbortWhileTheIdleSideIsPreparedScalesItDownAfterItCameUp(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    environments.slowPrepare.arm();
    DeploymentWorkflow wf = start(blueGreen().build());
    awaitInFlight(environments.slowPrepare, false);

    abortWhileInFlight(wf, environments.slowPrepare);

    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
    // the rollback's retire comes after the prepare landed: the idle side ends at 0
    assertThat(environments.changes).containsExactly("up api-green", "down api-green");
    assertThat(traffic.shifts).isEmpty();
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
  }

  @Test
  void noDataIsInconclusiveAndPausesNeverPasses(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.canary.set(Verdict.INCONCLUSIVE);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(30));

    assertThat(wf.status().phase()).isEqualTo(Phase.PAUSED);
    assertThat(wf.status().release().gate().pauseReason()).contains("inconclusive", "no data");
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(95, 5));
    wf.abort(new OperatorCommand("bob", "done"));
    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
  }

  // ---- retry ----

  @Test
  void aFailedDeploymentIsRetriedFromTheStageThatFailed(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow first = start(canary().build());
    env.sleep(Duration.ofMinutes(13));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(75, 25));
    analysis.triggers.set(Verdict.FAIL);
    assertThat(result(first).phase()).isEqualTo(Phase.ROLLED_BACK);
    DeployStatus failed = first.status();
    ResumeFrom from = failed.retryFrom();
    assertThat(from.stage()).isEqualTo(1);
    assertThat(from.restore()).isEqualTo(new TrafficSplit(95, 5));
    traffic.shifts.clear();

    analysis.triggers.set(Verdict.PASS);
    DeploymentWorkflow retry = start(failed.request().retrying(from, "bob", "flaky metric fixed"));

    assertThat(result(retry).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.shifts)
        .containsExactly(
            new TrafficSplit(95, 5),
            new TrafficSplit(75, 25),
            new TrafficSplit(50, 50),
            new TrafficSplit(0, 100));
    assertThat(audit.actions()).contains("bob:deploy-retry");
  }

  // ---- bad input ----

  @Test
  void badInputFailsWithInvalidInputAndChangesNothing(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    List<DeployRequest> bad =
        List.of(
            canary()
                .stages(List.of(new Stage(25, Duration.ZERO), new Stage(5, Duration.ZERO)))
                .build(),
            canary()
                .stages(List.of(new Stage(50, Duration.ZERO), new Stage(150, Duration.ZERO)))
                .build(),
            canary().router(new Router("nginx", "x", "app", "blue", "green")).build(),
            canary().stages(List.of(new Stage(50, Duration.ZERO))).build());
    List<String> reasons =
        List.of("strictly increasing", "outside 1-100", "unknown router 'nginx'", "must be 100 %");
    for (int i = 0; i < bad.size(); i++) {
      DeploymentWorkflow wf =
          client.newWorkflowStub(
              DeploymentWorkflow.class,
              WorkflowOptions.newBuilder().setWorkflowId(ID + i).setTaskQueue(queue).build());
      WorkflowClient.start(wf::deploy, bad.get(i));
      assertFails(wf, "INVALID_INPUT", reasons.get(i));
    }
    assertThat(traffic.validations.get()).isZero();
    assertThat(traffic.shifts).isEmpty();
  }

  @Test
  void aUrlTheWorkerMayNotCallIsRefusedAtStartBeforeAnyChange(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    environments.refusedHosts.add("169.254.169.254");
    DeploymentWorkflow wf = start(blueGreen().canaryUrl("http://169.254.169.254/latest").build());

    assertFails(wf, "INVALID_INPUT", "http://169.254.169.254/latest is refused");
    assertThat(traffic.validations.get()).isZero();
    assertThat(environments.prepared).isEmpty();
    assertThat(traffic.shifts).isEmpty();
  }

  @Test
  void aRouterThatSendsTrafficToTheCanaryAlreadyIsRefusedBeforeAnyChange(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    traffic.drift("app", new TrafficSplit(0, 100));
    DeploymentWorkflow wf = start(canary().build());

    assertFails(wf, "INVALID_INPUT", "sends 100 % to green already");
    assertThat(traffic.shifts).isEmpty();
  }

  // ---- approvals ----

  @Test
  void anApprovalGateHoldsTheShiftUntilSomeoneElseApproves(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf =
        start(canary().approveAt(List.of(50), ApprovalPolicy.fourEyes()).build());
    env.sleep(Duration.ofMinutes(45));

    DeployStatus status = wf.status();
    assertThat(status.phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    assertThat(status.release().details()).contains("waiting for 1 approval (gate before 50 %)");
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(75, 25));
    wf.approve(new Approval("bob", "dashboards look fine"));

    assertThat(result(wf).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(0, 100));
  }

  // ---- blue-green ----

  static DeployRequest.Builder blueGreen() {
    return DeployRequests.blueGreen();
  }

  @Test
  void blueGreenChecksTheIdleSideShiftsKeepsTheWindowThenRetires(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(blueGreen().build());
    env.sleep(Duration.ofMinutes(20));
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(0, 100));
    assertThat(environments.retired).isEmpty();
    assertThat(wf.status().release().next()).isEqualTo("retire api-blue");

    DeployResult result = result(wf);
    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(environments.prepared).containsExactly("api-green@2.0.0");
    // the old side only: the idle side's undo was settled when the window closed
    assertThat(environments.retired).containsExactly("api-blue");
    assertThat(traffic.shifts)
        .containsExactly(
            new TrafficSplit(90, 10), new TrafficSplit(50, 50), new TrafficSplit(0, 100));
    assertThat(analysis.verdicts().getFirst()).isEqualTo("smoke=PROCEED");
    assertThat(analysis.reports.getFirst().notes()).anyMatch(n -> n.contains("/health -> 200"));
    assertThat(audit.actions()).contains("rollgate:deploy-committed", "rollgate:side-retired");
  }

  @Test
  void blueGreenAbortWithinTheWindowSendsEverythingBackToTheOldSide(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(blueGreen().build());
    env.sleep(Duration.ofMinutes(20));

    wf.abort(new OperatorCommand("bob", "customers complain"));

    assertThat(result(wf).phase()).isEqualTo(Phase.ABORTED);
    assertThat(traffic.split("app")).isEqualTo(ALL_STABLE);
    // once the traffic is confirmed on the old side, the new one is scaled back to 0
    assertThat(environments.retired).containsExactly("api-green");
    assertThat(audit.actions())
        .containsSubsequence("rollgate:traffic-rollback", "rollgate:side-retired");
    recordHistory(client, "deploy-blue-green-aborted");
  }

  @Test
  void failedSmokeChecksRollBackBeforeAnyTraffic(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    environments.smokePasses.set(false);
    DeploymentWorkflow wf = start(blueGreen().build());

    DeployResult result = result(wf);
    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(result.summary()).contains("smoke", "FAILED", "api-green (2.0.0) scaled to 0");
    assertThat(traffic.shifts).isEmpty();
    assertThat(environments.retired).containsExactly("api-green");
    recordHistory(client, "deploy-blue-green-smoke-failed");
  }

  @Test
  void aBlueGreenRetryBringsTheIdleSideBackBeforeRestoringTraffic(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow first = start(blueGreen().build());
    for (int minutes = 0; minutes < 20 && traffic.split("app").canary() < 50; minutes++) {
      env.sleep(Duration.ofMinutes(1));
    }
    assertThat(traffic.split("app")).isEqualTo(new TrafficSplit(50, 50));
    analysis.triggers.set(Verdict.FAIL); // during the 50 % hold
    assertThat(result(first).phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(environments.retired).containsExactly("api-green");
    DeployStatus failed = first.status();
    assertThat(failed.retryFrom().restore()).isEqualTo(new TrafficSplit(90, 10));
    audit.entries.clear();

    analysis.triggers.set(Verdict.PASS);
    DeploymentWorkflow retry = start(failed.request().retrying(failed.retryFrom(), "bob", "fixed"));

    assertThat(result(retry).phase()).isEqualTo(Phase.COMPLETED);
    assertThat(environments.prepared).containsExactly("api-green@2.0.0", "api-green@2.0.0");
    // prepared and checked again before any traffic goes back to it: the retry's first shift
    // (the restore to 90/10) comes after the idle side is up
    List<String> actions = audit.actions();
    assertThat(actions.indexOf("rollgate:idle-side-prepared"))
        .isNotNegative()
        .isLessThan(actions.indexOf("rollgate:traffic-shift"));
    assertThat(audit.entries.stream().filter(e -> e.action().equals("traffic-shift")).findFirst())
        .hasValueSatisfying(e -> assertThat(e.details()).contains("retry: restore"));
    recordHistory(client, "deploy-blue-green-retried");
  }

  @Test
  void aFailedLoadTestStopsTheCanaryBeforeTheFirstShift(
      TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    analysis.load.set(new LoadTestResult(1000, 300, 0.3, 900, 50, false, "300 of 1000 failed"));
    DeploymentWorkflow wf =
        start(
            canary()
                .canaryUrl("http://green.internal:8080")
                .loadTest(
                    new LoadTest("/srv/locustfile.py", 10, 2, Duration.ofMinutes(1), 0.01, 500), 0)
                .build());

    assertThat(result(wf).phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(traffic.shifts).isEmpty();
    // nothing was shifted, so nothing is undone: no rollback report
    assertThat(analysis.verdicts()).containsExactly("load test=ROLLBACK");
    assertThat(analysis.reports.getFirst().loadTest().failures()).isEqualTo(300);
  }

  @Test
  void planAndStatusSayWhereTheDeploymentIs(TestWorkflowEnvironment env, Worker worker) {
    startWorker(env, worker);
    DeploymentWorkflow wf = start(canary().build());
    env.sleep(Duration.ofMinutes(12));

    DeployStatus status = wf.status();
    assertThat(status.release().position()).isEqualTo("canary 25 % (stage 2 of 4)");
    assertThat(status.release().next()).isEqualTo("50 %");
    assertThat(status.release().details()).contains("next: 50 % at");
    assertThat(status.lastAnalysis()).extracting(MetricResult::metric).contains("error_ratio");
    assertThat(wf.plan())
        .anyMatch(l -> l.startsWith("stage 2 of 4: gate: canary analysis at 5 %"))
        .anyMatch(l -> l.contains("shift 75/25 -> 50/50"));
    wf.abort(new OperatorCommand("bob", "done"));
    result(wf);
  }

  /**
   * Writes the finished workflow's history to target/recorded-histories; copies in
   * src/test/resources/deploy-histories are replayed by {@link DeploymentReplayTest}.
   */
  static void recordHistory(WorkflowClient client, String name) {
    try {
      Path dir = Path.of("target", "recorded-histories");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name + ".json"), client.fetchHistory(ID).toJson(true));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
