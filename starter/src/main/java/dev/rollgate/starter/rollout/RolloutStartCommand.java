package dev.rollgate.starter.rollout;

import dev.rollgate.starter.ActorOptions;
import dev.rollgate.starter.CliException;
import dev.rollgate.starter.ConnectionOptions;
import dev.rollgate.starter.Durations;
import dev.rollgate.starter.Output;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.TemporalConnection;
import dev.rollgate.starter.WorkflowTargets;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.rollout.BreachPolicy;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.RolloutPhase;
import dev.rollgate.workflows.rollout.RolloutPlan;
import dev.rollgate.workflows.rollout.RolloutStatus;
import dev.rollgate.workflows.rollout.StartRolloutRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "start",
    description = {
      "Start ramping a flag. Either explicit steps or a linear ramp:",
      "  rollgate rollout start new_checkout --steps 1,5,10,25,50,100 --hold 24h",
      "  rollgate rollout start new_checkout --to 100 --over 7d --every 1h \\",
      "      --guardrail 'errors: sum(rate(http_errors[5m])) / sum(rate(http_requests[5m])) < 0.01'"
    })
public class RolloutStartCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FLAG", description = "the flag to ramp")
  String flag;

  @ArgGroup(exclusive = true, multiplicity = "1")
  PlanOptions plan;

  static class PlanOptions {
    @ArgGroup(exclusive = false)
    Explicit explicit;

    @ArgGroup(exclusive = false)
    Linear linear;
  }

  static class Explicit {
    @Option(
        names = "--steps",
        required = true,
        split = ",",
        description = "percentages, strictly increasing, e.g. 1,5,25,100")
    List<String> steps;

    @Option(names = "--hold", required = true, description = "wait between steps, e.g. 24h")
    String hold;
  }

  static class Linear {
    @Option(names = "--to", required = true, description = "final percentage")
    String to;

    @Option(names = "--over", required = true, description = "ramp duration, e.g. 7d")
    String over;

    @Option(names = "--every", required = true, description = "step interval, e.g. 1h")
    String every;
  }

  @Option(names = "--guardrail", description = "NAME: PROMQL OP THRESHOLD, repeatable")
  List<String> guardrails = new ArrayList<>();

  @Option(
      names = "--check-every",
      defaultValue = "5m",
      description = "guardrail interval during holds (${DEFAULT-VALUE})")
  String checkEvery;

  @Option(
      names = "--on-breach",
      defaultValue = "pause",
      description = "pause or rollback (${DEFAULT-VALUE})")
  String onBreach;

  @Option(
      names = "--approve-at",
      split = ",",
      description = "percentages that need approval first, e.g. 25,50")
  List<String> approveAt = new ArrayList<>();

  @Option(
      names = "--approvers",
      defaultValue = "1",
      description = "distinct approvals per gate (${DEFAULT-VALUE})")
  int approvers;

  @Option(names = "--allow-self-approval", description = "let the initiator approve too")
  boolean allowSelfApproval;

  @Option(
      names = "--start-at",
      description = "ISO-8601 instant of the first step, e.g. 2026-12-01T09:00:00Z")
  String startAt;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Option(names = "--no-wait", description = "return as soon as the workflow is started")
  boolean noWait;

  @Override
  public Integer call() {
    StartRolloutRequest request = request();
    String workflowId = FlagRolloutWorkflow.workflowId(flag);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      WorkflowStub stub =
          temporal.client.newUntypedWorkflowStub(
              FlagRolloutWorkflow.TYPE,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(workflowId)
                  .setTaskQueue(TaskQueues.ROLLGATE)
                  .setWorkflowIdReusePolicy(
                      WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                  .setWorkflowIdConflictPolicy(
                      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                  .setTypedSearchAttributes(
                      SearchAttributes.newBuilder()
                          .set(RollgateSearchAttributes.KIND, FlagRolloutWorkflow.KIND)
                          .set(RollgateSearchAttributes.TARGET, flag)
                          .set(RollgateSearchAttributes.PHASE, RolloutPhase.STARTING.name())
                          .set(RollgateSearchAttributes.PROGRESS, 0.0)
                          .build())
                  .setStaticSummary("Rollout of " + flag + " by " + request.initiator())
                  .build());
      try {
        stub.start(request);
      } catch (WorkflowExecutionAlreadyStarted e) {
        throw new CliException(
            "refused: a rollout of '"
                + flag
                + "' is already running (rollgate rollout status "
                + flag
                + ")");
      }
      RolloutStatus status = noWait ? null : awaitFirstMove(temporal, workflowId, stub);
      if (connection.output == Output.json) {
        RollgateCli.printJson(
            spec, status == null ? java.util.Map.of("workflowId", workflowId) : status);
      } else {
        var out = RollgateCli.out(spec);
        out.printf(
            "started %s: %d steps over %s%n",
            workflowId,
            request.plan().steps().size(),
            Durations.format(request.plan().totalDuration()));
        if (status != null) {
          RolloutPrinter.print(out, status, Instant.now());
        }
      }
      return 0;
    }
  }

  /** Waits until the workflow got past its checks (bad flag, bad PromQL fail there). */
  private RolloutStatus awaitFirstMove(
      TemporalConnection temporal, String workflowId, WorkflowStub stub) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      var info = WorkflowTargets.describe(temporal, workflowId).getWorkflowExecutionInfo();
      if (info.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        try {
          stub.getResult(2, TimeUnit.SECONDS, Object.class);
        } catch (TimeoutException | RuntimeException e) {
          throw new CliException("rollout of '" + flag + "' failed to start: " + reasonOf(e));
        }
        break;
      }
      try {
        RolloutStatus status = stub.query("status", RolloutStatus.class);
        if (status.phase() != RolloutPhase.STARTING) {
          return status;
        }
      } catch (RuntimeException e) {
        // the first workflow task has not run yet
      }
      sleep();
    }
    return null;
  }

  private static String reasonOf(Exception e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof io.temporal.failure.ApplicationFailure af
        ? af.getOriginalMessage()
        : t.getMessage();
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  StartRolloutRequest request() {
    String nameProblem = StartRolloutRequest.flagNameProblem(flag);
    if (nameProblem != null) {
      throw new CliException(nameProblem, RollgateCli.EXIT_USAGE);
    }
    RolloutPlan rolloutPlan;
    List<Guardrail> parsed = new ArrayList<>();
    try {
      if (plan.explicit != null) {
        rolloutPlan =
            RolloutPlan.explicit(
                plan.explicit.steps.stream().map(s -> percent("--steps", s)).toList(),
                Durations.parse("--hold", plan.explicit.hold));
      } else {
        rolloutPlan =
            RolloutPlan.linear(
                percent("--to", plan.linear.to),
                Durations.parse("--over", plan.linear.over),
                Durations.parse("--every", plan.linear.every));
      }
      for (String g : guardrails) {
        parsed.add(Guardrail.parse(g));
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), RollgateCli.EXIT_USAGE);
    }
    BreachPolicy policy;
    try {
      policy = BreachPolicy.valueOf(onBreach.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException("--on-breach must be pause or rollback", RollgateCli.EXIT_USAGE);
    }
    long start = 0;
    if (startAt != null) {
      try {
        start = Instant.parse(startAt).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new CliException(
            "--start-at '" + startAt + "' is not an ISO-8601 instant", RollgateCli.EXIT_USAGE);
      }
    }
    Duration interval = Durations.parse("--check-every", checkEvery);
    StartRolloutRequest request =
        new StartRolloutRequest(
            flag,
            actor.by(),
            reason,
            rolloutPlan,
            parsed,
            interval,
            policy,
            approveAt.stream().map(s -> percent("--approve-at", s)).toList(),
            new ApprovalPolicy(approvers, allowSelfApproval),
            start,
            null);
    String problem = request.problem();
    if (problem != null) {
      throw new CliException(problem, RollgateCli.EXIT_USAGE);
    }
    return request;
  }

  private static double percent(String option, String text) {
    try {
      double p = Double.parseDouble(text.trim().replace("%", ""));
      if (!(p > 0 && p <= 100)) {
        throw new CliException(option + " " + text + " is outside 0-100", RollgateCli.EXIT_USAGE);
      }
      return p;
    } catch (NumberFormatException e) {
      throw new CliException(
          option + " '" + text + "' is not a percentage", RollgateCli.EXIT_USAGE);
    }
  }
}
