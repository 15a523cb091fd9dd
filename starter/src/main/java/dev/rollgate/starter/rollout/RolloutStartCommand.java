package dev.rollgate.starter.rollout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rollgate.flags.FlagNames;
import dev.rollgate.flags.FlagValidation;
import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.Durations;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkerApi;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.Guardrail;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
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
import java.math.BigDecimal;
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

  @Option(
      names = "--start-paused",
      description =
          "start paused: nothing changes until someone resumes (also what lets a rollout with"
              + " guardrails start while Prometheus is unreachable)")
  boolean startPaused;

  @Option(
      names = "--analysis",
      paramLabel = "SETTINGS",
      description =
          "how every guardrail is judged, Argo-style: count=N (measurements before each step),"
              + " failureLimit=N, inconclusiveLimit=N, consecutiveErrorLimit=N (default 4),"
              + " initialDelay=DURATION, dryRun=true; comma-separated")
  String analysis;

  @Override
  public Integer call() {
    StartRolloutRequest request = request();
    String workflowId = FlagRolloutWorkflow.workflowId(flag);
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      checkGuardrails(request);
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
                          .set(RollgateSearchAttributes.PHASE, Phase.STARTING.name())
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
                + "' is already running (bin/rollgate rollout status "
                + flag
                + ")");
      }
      RolloutStatus status = noWait ? null : awaitFirstMove(temporal, workflowId, stub);
      if (console.json()) {
        console.printJson(status == null ? java.util.Map.of("workflowId", workflowId) : status);
      } else {
        var out = console.out();
        out.printf(
            "started %s: %d steps over %s%n",
            workflowId,
            request.plan().steps().size(),
            Console.duration(request.plan().totalDuration()));
        if (status != null) {
          new RolloutPrinter().print(out, status, Instant.now());
        }
      }
      return 0;
    }
  }

  /**
   * Waits until the workflow got past its checks (bad flag, bad PromQL fail there): its first phase
   * after STARTING, or its failure in one line.
   */
  private RolloutStatus awaitFirstMove(
      TemporalConnection temporal, String workflowId, WorkflowStub stub) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      var info = WorkflowTargets.describe(temporal, workflowId).getWorkflowExecutionInfo();
      if (info.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        try {
          stub.getResult(2, TimeUnit.SECONDS, Object.class);
        } catch (TimeoutException | RuntimeException e) {
          throw new CliException("rollout of '" + flag + "' failed to start: " + Console.reason(e));
        }
        break;
      }
      try {
        RolloutStatus status = stub.query("status", RolloutStatus.class);
        // a failure is reported once the workflow has closed, with its reason (above)
        if (status.phase() != Phase.STARTING && status.phase() != Phase.FAILED) {
          return status;
        }
      } catch (RuntimeException e) {
        // the first workflow task has not run yet
      }
      sleep();
    }
    return null;
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
    String nameProblem = FlagNames.problem(flag);
    if (nameProblem != null) {
      throw CliException.usage(nameProblem);
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
      Analysis settings = analysis == null ? null : analysis(analysis, checkEvery);
      for (String g : guardrails) {
        Guardrail guardrail = Guardrail.parse(g);
        parsed.add(settings == null ? guardrail : guardrail.withAnalysis(settings));
      }
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    BreachPolicy policy;
    try {
      policy = BreachPolicy.valueOf(onBreach.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--on-breach must be pause or rollback");
    }
    long start = 0;
    if (startAt != null) {
      try {
        start = Instant.parse(startAt).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw CliException.usage("--start-at '" + startAt + "' is not an ISO-8601 instant");
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
            null,
            startPaused);
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    return request;
  }

  private static double percent(String option, String text) {
    try {
      BigDecimal p = new BigDecimal(text.trim().replace("%", ""));
      if (p.signum() <= 0) {
        throw CliException.usage(option + " " + text + " is outside 0-100");
      }
      FlagValidation.basisPoints(option, p);
      return p.doubleValue();
    } catch (NumberFormatException e) {
      throw CliException.usage(option + " '" + text + "' is not a percentage");
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  /**
   * Asks the worker (which knows Prometheus) to check every guardrail before anything starts: bad
   * PromQL is a usage error; an unreachable Prometheus refuses the start unless --start-paused.
   */
  private void checkGuardrails(StartRolloutRequest request) {
    if (request.guardrails().isEmpty()) {
      return;
    }
    ArrayNode body = Console.JSON.createArrayNode();
    for (Guardrail g : request.guardrails()) {
      body.addObject().put("name", g.name()).put("query", g.query());
    }
    var answer = new WorkerApi(connection.workerUrl).post("/api/guardrails/validate", body);
    String problem = answer.path("problem").asText(null);
    if (problem == null) {
      return;
    }
    if (answer.path("invalid").asBoolean()) {
      throw CliException.usage(problem);
    }
    if (!startPaused) {
      throw new CliException(
          problem + "; refused (add --start-paused to start it paused, and resume it later)");
    }
  }

  /** {@code count=3,failureLimit=1,initialDelay=5m,dryRun=true}. */
  static Analysis analysis(String spec, String checkEvery) {
    Analysis a = Analysis.defaults(Durations.parse("--check-every", checkEvery));
    Duration initialDelay = a.initialDelay();
    int count = a.count();
    int failureLimit = a.failureLimit();
    int inconclusiveLimit = a.inconclusiveLimit();
    int errorLimit = a.consecutiveErrorLimit();
    boolean dryRun = a.dryRun();
    for (String part : spec.split(",")) {
      String[] kv = part.split("=", 2);
      String key = kv[0].trim();
      String value = kv.length == 2 ? kv[1].trim() : "";
      try {
        switch (key) {
          case "count" -> count = Integer.parseInt(value);
          case "failureLimit" -> failureLimit = Integer.parseInt(value);
          case "inconclusiveLimit" -> inconclusiveLimit = Integer.parseInt(value);
          case "consecutiveErrorLimit" -> errorLimit = Integer.parseInt(value);
          case "initialDelay" -> initialDelay = Durations.parse("initialDelay", value);
          case "dryRun" -> dryRun = Boolean.parseBoolean(value);
          default ->
              throw new IllegalArgumentException(
                  "--analysis: unknown setting '"
                      + key
                      + "' (count, failureLimit, inconclusiveLimit, consecutiveErrorLimit,"
                      + " initialDelay, dryRun)");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--analysis: " + key + " needs a whole number");
      }
    }
    Analysis settings =
        new Analysis(
            a.interval(), initialDelay, count, failureLimit, inconclusiveLimit, errorLimit, dryRun);
    if (settings.problem() != null) {
      throw new IllegalArgumentException("--analysis: " + settings.problem());
    }
    return settings;
  }
}
