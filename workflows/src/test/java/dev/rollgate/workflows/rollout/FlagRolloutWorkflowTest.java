package dev.rollgate.workflows.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.workflows.gate.Approval;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Comparison;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.testing.InMemoryFlags;
import dev.rollgate.workflows.testing.KitTestEnvironment;
import dev.rollgate.workflows.testing.RecordingAudit;
import dev.rollgate.workflows.testing.ScriptedGuardrails;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FlagRolloutWorkflowTest {
  private static final String FLAG = "new_checkout";
  private static final Duration HOUR = Duration.ofHours(1);

  @RegisterExtension
  static final TestWorkflowExtension temporal =
      KitTestEnvironment.extension(FlagRolloutWorkflowImpl.class);

  private String taskQueue;
  private InMemoryFlags flags;
  private final ScriptedGuardrails guardrails = new ScriptedGuardrails();
  private final RecordingAudit audit = new RecordingAudit();

  private WorkflowClient start(TestWorkflowEnvironment env, Worker worker) {
    flags = new InMemoryFlags(env::currentTimeMillis, FLAG);
    worker.registerActivitiesImplementations(flags, guardrails, audit);
    env.start();
    taskQueue = worker.getTaskQueue();
    return env.getWorkflowClient();
  }

  private FlagRolloutWorkflow stub(WorkflowClient client) {
    return client.newWorkflowStub(
        FlagRolloutWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(FlagRolloutWorkflow.workflowId(FLAG))
            .setTaskQueue(taskQueue)
            .build());
  }

  private static FlagRolloutWorkflow running(WorkflowClient client) {
    return client.newWorkflowStub(FlagRolloutWorkflow.class, FlagRolloutWorkflow.workflowId(FLAG));
  }

  private static StartRolloutRequest request(RolloutPlan plan) {
    return StartRolloutRequest.of(FLAG, "alice", plan);
  }

  private static StartRolloutRequest guarded(RolloutPlan plan, BreachPolicy policy) {
    return guarded(plan, policy, Duration.ofMinutes(15));
  }

  private static StartRolloutRequest guarded(
      RolloutPlan plan, BreachPolicy policy, Duration checkEvery) {
    return new StartRolloutRequest(
        FLAG,
        "alice",
        "test",
        plan,
        List.of(new Guardrail("errors", "sum(rate(errors[5m]))", Comparison.LT, 0.01)),
        checkEvery,
        policy,
        List.of(),
        null,
        0,
        null);
  }

  private static RolloutPlan steps(Duration hold, double... percents) {
    return RolloutPlan.explicit(java.util.Arrays.stream(percents).boxed().toList(), hold);
  }

  @Test
  void sevenDayLinearRampAppliesEveryStepOnTheHourWithItsGuardrailRead(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    long t0 = env.currentTimeMillis();
    RolloutPlan plan = RolloutPlan.linear(100, Duration.ofDays(7), HOUR);

    RolloutResult result = stub(client).run(guarded(plan, BreachPolicy.PAUSE, HOUR));

    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(result.finalPercent()).isEqualTo(100.0);
    assertThat(flags.applied).hasSize(168);
    for (int i = 0; i < 168; i++) {
      InMemoryFlags.Applied step = flags.applied.get(i);
      assertThat(step.percent()).isEqualTo(RolloutPlan.round(100.0 * (i + 1) / 168));
      // each step lands at start + (i+1) hours; the test server may add a few ms per step
      assertThat(step.atMillis() - t0)
          .isBetween(HOUR.toMillis() * (i + 1), HOUR.toMillis() * (i + 1) + 60_000);
    }
    assertThat(flags.applied.stream().map(InMemoryFlags.Applied::key).distinct()).hasSize(168);
    // one reading before each step; a check at the very end of a hold would read the same
    assertThat(guardrails.checks.get()).isEqualTo(168);
    assertThat(audit.actions()).contains("rollgate:rollout-completed");
  }

  @Test
  void theDetailsSayWhenTheNextStepComesAndThatItNeedsAnApproval(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(
        stub(client)::run,
        withApprovals(request(steps(HOUR, 1, 50)), List.of(50.0), ApprovalPolicy.fourEyes()));
    env.sleep(Duration.ofMinutes(10));

    assertThat(running(client).release().details())
        .contains("HOLDING", "next: 50 % (needs approval) at ")
        .containsPattern(", in 5\\dm");
    env.sleep(Duration.ofMinutes(55));
    assertThat(running(client).release().details())
        .contains("AWAITING_APPROVAL", "waiting for 1 approval (gate before 50 %)")
        .doesNotContain("needs approval");
    running(client).abort(new OperatorCommand("bob", "done"));
  }

  @Test
  void aFlagChangedByHandDuringAHoldPausesTheRolloutAndTheResumeReappliesIt(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(HOUR, 1, 50)));
    env.sleep(Duration.ofMinutes(10));
    flags.setByHand(FLAG, 50);
    env.sleep(Duration.ofMinutes(2));

    RolloutStatus paused = running(client).status();
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.release().gate().pauseReason())
        .contains("changed outside the rollout: reads 50 %", "the rollout set 1 %");
    assertThat(audit.actions()).contains("rollgate:flag-drift");
    running(client).resume(new OperatorCommand("bob", "my mistake"));
    env.sleep(Duration.ofMinutes(2));
    assertThat(flags.get(FLAG).percent()).isEqualTo(1.0);
    assertThat(audit.actions()).contains("rollgate:flag-drift-reapplied");

    RolloutResult result =
        client
            .newUntypedWorkflowStub(FlagRolloutWorkflow.workflowId(FLAG))
            .getResult(RolloutResult.class);
    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(flags.get(FLAG).percent()).isEqualTo(50.0);
  }

  /** The same rollout with a small history budget, so that it continues as new many times. */
  public static class SmallHistoryRollout extends FlagRolloutWorkflowImpl {
    @WorkflowInit
    public SmallHistoryRollout(StartRolloutRequest request) {
      super(request);
      release.continueAsNewAfter(200);
    }
  }

  @Test
  void longRolloutContinuesAsNewCarryingItsStepsApprovalsAndKillSwitch(
      TestWorkflowEnvironment env) {
    Worker small = env.newWorker("small-history");
    small.registerWorkflowImplementationTypes(SmallHistoryRollout.class);
    WorkflowClient client = start(env, small);
    StartRolloutRequest req =
        withApprovals(
            request(RolloutPlan.linear(100, Duration.ofDays(2), HOUR)),
            List.of(50.0),
            ApprovalPolicy.fourEyes());
    WorkflowClient.start(stub(client)::run, req);
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofHours(25));
    assertThat(wf.status().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("bob", "half way"));
    // steps 1-23 on the hour, 24 at the approval (25 h), then one an hour: 33 by 34.5 h
    env.sleep(Duration.ofMinutes(570));
    long runs =
        client
                .fetchHistory(FlagRolloutWorkflow.workflowId(FLAG))
                .getEvents()
                .getFirst()
                .getWorkflowExecutionStartedEventAttributes()
                .getContinuedExecutionRunId()
                .isEmpty()
            ? 1
            : 2;
    assertThat(runs).as("the rollout continued as new").isEqualTo(2);

    wf.abort(new OperatorCommand("carol", "late regression"));

    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);
    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(flags.get(FLAG).killed()).isTrue();
    assertThat(flags.applied.stream().filter(a -> !a.kill()).map(InMemoryFlags.Applied::key))
        .hasSize(33)
        .doesNotHaveDuplicates();
    RolloutStatus status = wf.status();
    assertThat(status.stepsApplied()).isEqualTo(33);
    assertThat(status.history()).hasSize(33);
    assertThat(status.release().gate().approvals()).extracting(a -> a.by()).containsExactly("bob");
  }

  @Test
  void pauseThenApprovalsThenAbortWhilePausedKillsTheFlag(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    StartRolloutRequest req =
        withApprovals(
            guarded(steps(HOUR, 5, 25, 50), BreachPolicy.PAUSE),
            List.of(25.0),
            new ApprovalPolicy(2, false));
    WorkflowClient.start(stub(client)::run, req);
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofMinutes(20));
    wf.pause(new OperatorCommand("bob", "dashboards"));
    env.sleep(Duration.ofHours(3));
    wf.resume(new OperatorCommand("bob", null));
    env.sleep(Duration.ofHours(2));
    assertThat(wf.status().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    wf.approve(new Approval("carol", "fine"));
    WorkflowStub.fromTyped(wf).signal("pause", new OperatorCommand("dave", "wait"));
    WorkflowStub.fromTyped(wf).signal("approve", new Approval("erin", null));
    env.sleep(Duration.ofMinutes(30));
    wf.abort(new OperatorCommand("dave", "incident"));
    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);
    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    recordHistory(client, "pause-approval-abort");
  }

  @Test
  void pauseFreezesTheHoldAndResumeKeepsTheRemainingTime(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(Duration.ofHours(10), 5, 25)));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofHours(4));

    assertThat(wf.pause(new OperatorCommand("bob", "investigating"))).startsWith("paused");
    RolloutStatus paused = wf.status();
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.release().gate().holdLeft().toMillis())
        .isBetween(
            Duration.ofHours(6).toMillis() - 60_000, Duration.ofHours(6).toMillis() + 60_000);

    env.sleep(Duration.ofDays(2));
    assertThat(flags.get(FLAG).percent()).isEqualTo(5.0);
    assertThat(wf.status().release().gate().holdRemaining())
        .isEqualTo(paused.release().gate().holdRemaining());

    long resumedAt = env.currentTimeMillis();
    wf.resume(new OperatorCommand("bob", "fine"));
    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);
    assertThat(result.phase()).isEqualTo(Phase.COMPLETED);
    long stepAt = flags.applied.get(1).atMillis();
    assertThat(stepAt - resumedAt)
        .isBetween(
            Duration.ofHours(6).toMillis() - 60_000, Duration.ofHours(6).toMillis() + 60_000);
    assertThat(audit.actions()).contains("bob:pause", "bob:resume");
    recordHistory(client, "pause-resume");
  }

  @Test
  void abortDuringHoldTurnsFlagOffImmediately(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(Duration.ofDays(1), 10, 50, 100)));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(HOUR);
    long abortedAt = env.currentTimeMillis();

    wf.abort(new OperatorCommand("carol", "checkout errors"));
    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);

    assertThat(result.phase()).isEqualTo(Phase.ABORTED);
    assertThat(flags.get(FLAG).killed()).isTrue();
    InMemoryFlags.Applied kill = flags.applied.get(flags.applied.size() - 1);
    assertThat(kill.kill()).isTrue();
    assertThat(kill.atMillis() - abortedAt).isLessThan(5_000);
    assertThat(result.summary()).contains("carol", "checkout errors");
  }

  @Test
  void abortWhilePausedTurnsFlagOff(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(Duration.ofDays(1), 10, 50)));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(HOUR);
    wf.pause(new OperatorCommand("bob", null));

    wf.abort(new OperatorCommand("bob", "stop it"));

    assertThat(WorkflowStub.fromTyped(wf).getResult(RolloutResult.class).phase())
        .isEqualTo(Phase.ABORTED);
    assertThat(flags.get(FLAG).killed()).isTrue();
    recordHistory(client, "abort-while-paused");
  }

  @Test
  void cancellationThroughTemporalTurnsTheKillSwitchOnAndEndsCancelled(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(HOUR, 10, 50, 100)));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofMinutes(30));

    WorkflowStub.fromTyped(wf).cancel("Request Cancellation in the Web UI");

    assertThatThrownBy(() -> WorkflowStub.fromTyped(wf).getResult(RolloutResult.class))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(io.temporal.failure.CanceledFailure.class);
    assertThat(flags.get(FLAG).killed()).isTrue();
    assertThat(wf.status().phase()).isEqualTo(Phase.CANCELLED);
    assertThat(wf.status().currentPercent()).isZero();
    assertThat(audit.actions()).contains("temporal:cancel", "rollgate:rollout-cancelled");
    recordHistory(client, "cancelled");
  }

  @Test
  void abortWhileAwaitingApprovalSkipsTheGate(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    StartRolloutRequest req =
        withApprovals(request(steps(HOUR, 5, 25, 100)), List.of(25.0), ApprovalPolicy.fourEyes());
    WorkflowClient.start(stub(client)::run, req);
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofHours(2));
    assertThat(wf.status().phase()).isEqualTo(Phase.AWAITING_APPROVAL);

    wf.abort(new OperatorCommand("alice", "changed my mind"));

    assertThat(WorkflowStub.fromTyped(wf).getResult(RolloutResult.class).phase())
        .isEqualTo(Phase.ABORTED);
    assertThat(flags.get(FLAG).killed()).isTrue();
    assertThat(flags.get(FLAG).percent()).isEqualTo(5.0);
  }

  @Test
  void guardrailBreachDuringHoldRollsBackUnderRollbackPolicy(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(
        stub(client)::run, guarded(steps(Duration.ofHours(6), 5, 50), BreachPolicy.ROLLBACK));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(HOUR);
    guardrails.value.set(0.2);

    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);

    assertThat(result.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(flags.get(FLAG).percent()).isEqualTo(0.0);
    assertThat(flags.applied).extracting(InMemoryFlags.Applied::percent).containsExactly(5.0, 0.0);
    assertThat(result.summary()).contains("errors");
    recordHistory(client, "guardrail-rollback");
  }

  @Test
  void guardrailBreachUnderPausePolicyFreezesTheRollout(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(
        stub(client)::run, guarded(steps(Duration.ofHours(6), 5, 50), BreachPolicy.PAUSE));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(HOUR);
    guardrails.value.set(0.2);
    env.sleep(Duration.ofHours(12));

    RolloutStatus status = wf.status();
    assertThat(status.phase()).isEqualTo(Phase.PAUSED);
    assertThat(status.currentPercent()).isEqualTo(5.0);
    assertThat(status.release().gate().pausedBy()).isEqualTo("rollgate");
    assertThat(status.release().gate().pauseReason()).contains("breach", "errors");

    guardrails.value.set(0.001);
    wf.resume(new OperatorCommand("bob", "fixed"));
    assertThat(WorkflowStub.fromTyped(wf).getResult(RolloutResult.class).finalPercent())
        .isEqualTo(50.0);
    recordHistory(client, "guardrail-pause-resume");
  }

  @Test
  void noGuardrailDataPausesInsteadOfPassing(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    guardrails.value.set(null);
    WorkflowClient.start(stub(client)::run, guarded(steps(HOUR, 5, 50), BreachPolicy.ROLLBACK));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofMinutes(5));

    RolloutStatus status = wf.status();
    assertThat(status.phase()).isEqualTo(Phase.PAUSED);
    assertThat(status.release().gate().pauseReason()).contains("inconclusive", "no data");
    assertThat(flags.applied).isEmpty();
    wf.abort(new OperatorCommand("bob", "no metrics"));
  }

  @Test
  void initiatorMayNotApproveAndQuorumCountsDistinctPeople(
      TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    StartRolloutRequest req =
        withApprovals(request(steps(HOUR, 5, 50)), List.of(50.0), new ApprovalPolicy(2, false));
    WorkflowClient.start(stub(client)::run, req);
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofHours(2));

    assertThatThrownBy(() -> wf.approve(new Approval("alice", "lgtm")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("alice started this workflow");
    assertThat(wf.approve(new Approval("bob", "ok"))).contains("1 of 2");
    assertThatThrownBy(() -> wf.approve(new Approval(" BOB ", "again")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("already approved");
    assertThat(flags.get(FLAG).percent()).isEqualTo(5.0);

    assertThat(wf.approve(new Approval("dave", null))).contains("2 of 2");
    RolloutResult result = WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);
    assertThat(result.finalPercent()).isEqualTo(50.0);
    assertThat(wf.status().release().gate().approvals())
        .extracting(a -> a.by())
        .containsExactly("bob", "dave");
    recordHistory(client, "approvals");
  }

  @Test
  void refusedSignalIsRecordedAndChangesNothing(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(HOUR, 5, 50)));
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofMinutes(10));

    WorkflowStub.fromTyped(wf).signal("resume", new OperatorCommand("bob", null));
    WorkflowStub.fromTyped(wf).signal("approve", new Approval("bob", null));

    RolloutStatus status = wf.status();
    assertThat(status.release().gate().rejected())
        .containsExactly("resume by bob: not paused", "approve by bob: no approval is pending");
    assertThat(status.phase()).isEqualTo(Phase.HOLDING);
    assertThat(WorkflowStub.fromTyped(wf).getResult(RolloutResult.class).finalPercent())
        .isEqualTo(50.0);
    assertThat(audit.actions()).contains("bob:resume-refused", "bob:approve-refused");
    recordHistory(client, "refused-signals");
  }

  @Test
  void secondStartForTheSameFlagIsRefused(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    WorkflowClient.start(stub(client)::run, request(steps(HOUR, 5, 50)));

    assertThatThrownBy(() -> WorkflowClient.start(stub(client)::run, request(steps(HOUR, 5, 50))))
        .isInstanceOf(WorkflowExecutionAlreadyStarted.class);
  }

  @Test
  void scheduledRolloutWaitsForItsStartTime(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    long startAt = env.currentTimeMillis() + Duration.ofDays(2).toMillis();
    StartRolloutRequest r = request(steps(HOUR, 5, 50));
    StartRolloutRequest scheduled =
        new StartRolloutRequest(
            r.flag(),
            r.initiator(),
            r.reason(),
            r.plan(),
            r.guardrails(),
            r.guardrailInterval(),
            r.onBreach(),
            r.approvalAt(),
            r.approvalPolicy(),
            startAt,
            null);
    WorkflowClient.start(stub(client)::run, scheduled);
    FlagRolloutWorkflow wf = running(client);
    env.sleep(Duration.ofDays(1));

    assertThat(wf.status().phase()).isEqualTo(Phase.SCHEDULED);
    assertThat(flags.applied).isEmpty();

    WorkflowStub.fromTyped(wf).getResult(RolloutResult.class);
    assertThat(flags.applied.get(0).atMillis() - startAt).isBetween(0L, 60_000L);
  }

  @Test
  void secondRolloutOfTheSameFlagAppliesItsOwnSteps(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    stub(client).run(request(steps(HOUR, 20, 50)));

    RolloutResult again = stub(client).run(request(steps(HOUR, 10, 100)));

    assertThat(again.finalPercent()).isEqualTo(100.0);
    assertThat(flags.applied)
        .extracting(InMemoryFlags.Applied::percent)
        .containsExactly(20.0, 50.0, 10.0, 100.0);
    assertThat(flags.get(FLAG).version()).isEqualTo(5);
  }

  @Test
  void invalidRequestFailsWithTypedNonRetryableFailure(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    RolloutPlan decreasing =
        new RolloutPlan(
            List.of(new RolloutStep(50, Duration.ZERO), new RolloutStep(10, Duration.ofHours(1))));

    assertThatThrownBy(() -> stub(client).run(request(decreasing)))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("strictly increasing");
            });
    assertThat(flags.applied).isEmpty();
  }

  @Test
  void unknownFlagFailsWithNotFound(TestWorkflowEnvironment env, Worker worker) {
    WorkflowClient client = start(env, worker);
    StartRolloutRequest req = StartRolloutRequest.of("no_such_flag", "alice", steps(HOUR, 5, 50));
    FlagRolloutWorkflow wf =
        client.newWorkflowStub(
            FlagRolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(FlagRolloutWorkflow.workflowId("no_such_flag"))
                .setTaskQueue(taskQueue)
                .build());

    assertThatThrownBy(() -> wf.run(req))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("NOT_FOUND"));
  }

  /**
   * Writes the finished workflow's history to target/recorded-histories; copies of these files in
   * src/test/resources/histories are replayed by {@link FlagRolloutReplayTest} so a change to the
   * workflow code that breaks running workflows fails the build.
   */
  private static void recordHistory(WorkflowClient client, String name) {
    try {
      java.nio.file.Path dir = java.nio.file.Path.of("target", "recorded-histories");
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.writeString(
          dir.resolve(name + ".json"),
          client.fetchHistory(FlagRolloutWorkflow.workflowId(FLAG)).toJson(true));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static StartRolloutRequest withApprovals(
      StartRolloutRequest r, List<Double> at, ApprovalPolicy policy) {
    return new StartRolloutRequest(
        r.flag(),
        r.initiator(),
        r.reason(),
        r.plan(),
        r.guardrails(),
        r.guardrailInterval(),
        r.onBreach(),
        at,
        policy,
        r.startAtMillis(),
        null);
  }
}
