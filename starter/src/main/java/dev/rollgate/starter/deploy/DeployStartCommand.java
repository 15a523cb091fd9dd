package dev.rollgate.starter.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.Durations;
import dev.rollgate.workflows.deploy.CanaryAnalysis;
import dev.rollgate.workflows.deploy.CanaryMetric;
import dev.rollgate.workflows.deploy.CanaryMetrics;
import dev.rollgate.workflows.deploy.DeployPlan;
import dev.rollgate.workflows.deploy.DeployPresets;
import dev.rollgate.workflows.deploy.DeployRequest;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.LoadTest;
import dev.rollgate.workflows.deploy.RollbackPolicy;
import dev.rollgate.workflows.deploy.RollbackTriggers;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.SmokeCheck;
import dev.rollgate.workflows.deploy.Stage;
import dev.rollgate.workflows.deploy.WarmUp;
import dev.rollgate.workflows.gate.Analysis;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "start",
    description = {
      "Deploy a new version by shifting traffic through stages, with analysis gates and",
      "automatic rollback (all traffic to stable at once, read back from the router):",
      "  rollgate deploy start api --version 2.0.0 --router haproxy \\",
      "      --haproxy-socket unix:/run/haproxy/admin.sock --backend app --stable blue --canary green",
      "  rollgate deploy start api --version 2.0.0 --router alb --listener ARN \\",
      "      --stable-tg ARN --canary-tg ARN --preset Canary10Percent5Minutes",
      "--dry-run prints the stages, gates and router changes and connects to nothing."
    })
public class DeployStartCommand implements Callable<Integer> {
  /**
   * HAProxy exporter metrics by server (see {@link CanaryMetrics}); other routers pass --metric.
   */
  static final List<CanaryMetric> DEFAULT_METRICS = CanaryMetrics.defaults();

  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  // its own --help: the standard help mixin would also add --version, which is this command's
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "the service to deploy")
  String service;

  @Option(names = "--version", required = true, description = "the new version")
  String version;

  @Option(names = "--strategy", description = "canary (default) or blue-green")
  String strategy;

  @Option(names = "--router", required = true, description = "haproxy or alb")
  String routerType;

  @Option(names = "--haproxy-socket", description = "HAProxy runtime API: unix:/path or host:port")
  String haproxySocket;

  @Option(
      names = "--backend",
      description = "HAProxy backend (letters, digits, '-', '_', '.', ':', as HAProxy allows)")
  String backend;

  @Option(names = "--stable", description = "HAProxy server of the live version")
  String stableServer;

  @Option(names = "--canary", description = "HAProxy server of the new version")
  String canaryServer;

  @Option(names = "--listener", description = "ALB listener ARN (weighted forward action)")
  String listener;

  @Option(names = "--rule", description = "ALB listener rule ARN (weighted forward action)")
  String rule;

  @Option(names = "--stable-tg", description = "ALB target group ARN of the live version")
  String stableTg;

  @Option(names = "--canary-tg", description = "ALB target group ARN of the new version")
  String canaryTg;

  @Option(
      names = "--preset",
      description =
          "Canary10Percent5Minutes, Canary10Percent15Minutes, Linear10PercentEvery1Minutes,"
              + " Linear10PercentEvery3Minutes or AllAtOnce")
  String preset;

  @Option(
      names = "--stages",
      description = "WEIGHT:HOLD,...; e.g. 5:15m,25:15m,50:15m,100 (the last must be 100)")
  String stages;

  @Option(names = "--plan", description = "a YAML plan file (see docs/deploy.md)")
  Path plan;

  @Option(names = "--rollback", description = "auto (default), pause or never")
  String rollback;

  @Option(
      names = "--interval",
      defaultValue = "1m",
      description = "analysis interval (${DEFAULT-VALUE})")
  String interval;

  @Option(
      names = "--initial-delay",
      defaultValue = "0s",
      description = "wait before a gate's first measurement")
  String initialDelay;

  @Option(names = "--count", defaultValue = "1", description = "measurements per gate")
  int count;

  @Option(names = "--failure-limit", defaultValue = "0", description = "failures tolerated")
  int failureLimit;

  @Option(
      names = "--inconclusive-limit",
      defaultValue = "0",
      description = "inconclusive measurements tolerated")
  int inconclusiveLimit;

  @Option(
      names = "--consecutive-error-limit",
      defaultValue = "4",
      description = "unreachable-metrics errors tolerated (${DEFAULT-VALUE})")
  int errorLimit;

  @Option(names = "--analysis-dry-run", description = "measure and report, never decide")
  boolean analysisDryRun;

  @Option(
      names = "--metric",
      description =
          "NAME:PROMQL<MAX, repeatable ({{side}}, {{backend}}, {{window}} placeholders; NAME! is"
              + " critical; default: error_ratio, p95, p99)")
  List<String> metrics = new ArrayList<>();

  @Option(names = "--window", defaultValue = "2m", description = "analysis window")
  String window;

  @Option(names = "--step", defaultValue = "2s", description = "range query step")
  String step;

  @Option(names = "--min-samples", defaultValue = "50", description = "per group for Mann-Whitney")
  int minSamples;

  @Option(names = "--confidence", defaultValue = "0.98", description = "Mann-Whitney confidence")
  double confidence;

  @Option(names = "--allowed-effect", defaultValue = "0.25", description = "largest effect size")
  double allowedEffect;

  @Option(names = "--trigger-error-ratio", defaultValue = "0.02", description = "rollback above")
  double triggerErrorRatio;

  @Option(names = "--trigger-p95", defaultValue = "500ms", description = "rollback above")
  String triggerP95;

  @Option(
      names = "--trigger-5xx",
      defaultValue = "10/30s",
      description = "COUNT/WINDOW: rollback at this many 5xx within the window")
  String trigger5xx;

  @Option(names = "--no-analysis", description = "no analysis at all (timed shifts only)")
  boolean noAnalysis;

  @Option(
      names = "--warm-up",
      description =
          "URL@RPS/DURATION, e.g. http://lb/@20/1m (the host must be in the worker's"
              + " rollgate.deploy.allowed-hosts)")
  String warmUp;

  @Option(names = "--load-test", description = "a locustfile on the worker host")
  String loadTestFile;

  @Option(names = "--users", defaultValue = "10", description = "Locust users")
  int users;

  @Option(names = "--spawn-rate", defaultValue = "2", description = "Locust users/s")
  int spawnRate;

  @Option(names = "--duration", defaultValue = "1m", description = "Locust run time")
  String loadDuration;

  @Option(
      names = "--load-test-after",
      defaultValue = "0",
      description = "run after the stage of this weight (0: before the first shift)")
  int loadTestAfter;

  @Option(names = "--max-failure-ratio", defaultValue = "0.01", description = "load test limit")
  double maxFailureRatio;

  @Option(names = "--max-p95", defaultValue = "500ms", description = "load test limit")
  String maxP95;

  @Option(
      names = {"--canary-url", "--idle-url"},
      description =
          "the new side's own URL (load test host; blue-green health and smoke checks); its host"
              + " must be in the worker's rollgate.deploy.allowed-hosts")
  String canaryUrl;

  @Option(names = "--smoke", description = "PATH=STATUS[:BODY], repeatable (blue-green)")
  List<String> smoke = new ArrayList<>();

  @Option(names = "--rollback-window", description = "blue-green: keep the old side (30m)")
  String rollbackWindow;

  @Option(names = "--ecs-cluster", description = "blue-green on ECS: the cluster")
  String ecsCluster;

  @Option(names = "--ecs-live-service", description = "the live side's service")
  String ecsLive;

  @Option(names = "--ecs-idle-service", description = "the idle side's service")
  String ecsIdle;

  @Option(names = "--task-family", description = "task definition family")
  String taskFamily;

  @Option(names = "--image", description = "container image")
  String image;

  @Option(names = "--desired-count", defaultValue = "1", description = "idle side's tasks")
  int desiredCount;

  @Option(names = "--approve-at", split = ",", description = "weights that need approval first")
  List<Integer> approveAt;

  @Option(names = "--approvals", defaultValue = "1", description = "distinct approvals per gate")
  int approvals;

  @Option(names = "--allow-self-approval", description = "let the initiator approve too")
  boolean allowSelfApproval;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  @Option(names = "--dry-run", description = "print the plan; connect to nothing")
  boolean dryRun;

  @Option(names = "--start-paused", description = "start paused (analysis checked on resume)")
  boolean startPaused;

  @Option(names = "--no-wait", description = "return as soon as the workflow is started")
  boolean noWait;

  @Override
  public Integer call() {
    DeployRequest request = request();
    Console console = Console.of(spec, connection);
    if (dryRun) {
      List<String> lines = DeployPlan.describe(request);
      if (console.json()) {
        console.printJson(java.util.Map.of("request", request, "plan", lines));
      } else {
        lines.forEach(console.out()::println);
        console.out().println("(dry run: nothing was started or changed)");
      }
      return 0;
    }
    DeployLauncher.launch(connection, console, request, noWait);
    return 0;
  }

  DeployRequest request() {
    String nameProblem = DeployRequest.serviceProblem(service);
    if (nameProblem != null) {
      throw CliException.usage(nameProblem);
    }
    JsonNode planFile = plan == null ? null : readPlan(plan);
    String strat = pick(strategy, planFile, "strategy", DeployRequest.CANARY);
    RollbackPolicy policy = RollbackPolicy.parse(pick(rollback, planFile, "rollback", "auto"));
    if (policy == null) {
      throw CliException.usage("--rollback must be auto, pause or never");
    }
    List<Stage> stageList = stages(strat, planFile);
    DeployRequest.Builder b =
        DeployRequest.builder()
            .service(service)
            .version(version)
            .initiator(actor.by())
            .reason(reason)
            .strategy(strat)
            .stages(stageList)
            .router(router())
            .rollback(policy)
            .canaryUrl(canaryUrl)
            .startPaused(startPaused);
    if (!noAnalysis) {
      b.analysis(analysis());
    }
    if (warmUp != null) {
      b.warmUp(warmUp(warmUp));
    }
    if (loadTestFile != null) {
      b.loadTest(
          new LoadTest(
              loadTestFile,
              users,
              spawnRate,
              Durations.parse("--duration", loadDuration),
              maxFailureRatio,
              Durations.parse("--max-p95", maxP95).toMillis()),
          loadTestAfter);
    }
    List<SmokeCheck> checks = new ArrayList<>();
    for (String s : smoke) {
      checks.add(smokeCheck(s));
    }
    b.smoke(checks);
    if (DeployRequest.BLUE_GREEN.equals(strat)) {
      String windowText = pick(rollbackWindow, planFile, "rollbackWindow", "30m");
      b.rollbackWindow(Durations.parse("--rollback-window", windowText));
    }
    if (ecsCluster != null || ecsLive != null || ecsIdle != null) {
      b.environment(
          new Environment(
              Environment.ECS, ecsCluster, ecsLive, ecsIdle, taskFamily, image, desiredCount));
    }
    List<Integer> at = approveAt;
    if (at == null && planFile != null && planFile.has("approveAt")) {
      at = new ArrayList<>();
      for (JsonNode n : planFile.get("approveAt")) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
          throw CliException.usage("--plan: approveAt holds whole-number weights, not " + n);
        }
        at.add(n.asInt());
      }
    }
    b.approveAt(at == null ? List.of() : at, new ApprovalPolicy(approvals, allowSelfApproval));
    DeployRequest request = b.build();
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    return request;
  }

  private Router router() {
    if ("haproxy".equals(routerType)) {
      return new Router(Router.HAPROXY, haproxySocket, backend, stableServer, canaryServer);
    }
    if ("alb".equals(routerType)) {
      if (listener != null && rule != null) {
        throw CliException.usage("give --listener or --rule, not both");
      }
      return new Router(Router.ALB, null, listener != null ? listener : rule, stableTg, canaryTg);
    }
    throw CliException.usage("unknown router '" + routerType + "' (expected haproxy or alb)");
  }

  private List<Stage> stages(String strat, JsonNode planFile) {
    int given = (preset != null ? 1 : 0) + (stages != null ? 1 : 0);
    if (planFile != null && planFile.has("stages")) {
      given++;
    }
    if (given > 1) {
      throw CliException.usage("give one of --preset, --stages or a plan file's stages");
    }
    if (preset != null) {
      List<Stage> named = DeployPresets.named(preset);
      if (named == null) {
        throw CliException.usage(
            "unknown preset '" + preset + "' (" + String.join(", ", DeployPresets.names()) + ")");
      }
      return named;
    }
    if (stages != null) {
      return parseStages("--stages", stages);
    }
    if (planFile != null && planFile.has("stages")) {
      List<Stage> list = new ArrayList<>();
      for (JsonNode s : planFile.get("stages")) {
        // isIntegralNumber: 50.5 is refused, not truncated to 50
        if (!s.has("weight")
            || !s.get("weight").isIntegralNumber()
            || !s.get("weight").canConvertToInt()) {
          throw CliException.usage("--plan: every stage needs a whole-number weight");
        }
        list.add(
            new Stage(
                s.get("weight").asInt(),
                s.has("hold")
                    ? Durations.parse("--plan hold", s.get("hold").asText())
                    : Duration.ZERO));
      }
      return list;
    }
    return DeployRequest.BLUE_GREEN.equals(strat)
        ? DeployPresets.DEFAULT_BLUE_GREEN
        : DeployPresets.DEFAULT_CANARY;
  }

  /** {@code 5:15m,25:15m,50:15m,100}. */
  static List<Stage> parseStages(String option, String text) {
    List<Stage> list = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] wh = part.trim().split(":", 2);
      int weight;
      try {
        weight = Integer.parseInt(wh[0].trim().replace("%", ""));
      } catch (NumberFormatException e) {
        throw CliException.usage(option + ": '" + wh[0] + "' is not a whole-number weight");
      }
      Duration hold = wh.length == 2 ? Durations.parse(option, wh[1].trim()) : Duration.ZERO;
      list.add(new Stage(weight, hold));
    }
    return list;
  }

  private static final Set<String> PLAN_KEYS =
      Set.of("strategy", "stages", "rollback", "approveAt", "rollbackWindow");

  static JsonNode readPlan(Path file) {
    JsonNode node;
    try {
      node = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw CliException.usage("--plan " + file + ": " + firstLine(e.getMessage()));
    }
    if (node == null || !node.isObject()) {
      throw CliException.usage("--plan " + file + ": expected a mapping (strategy, stages, ...)");
    }
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!PLAN_KEYS.contains(key)) {
        throw CliException.usage(
            "--plan "
                + file
                + ": unknown key '"
                + key
                + "' ("
                + String.join(", ", PLAN_KEYS.stream().sorted().toList())
                + ")");
      }
    }
    return node;
  }

  private static String firstLine(String s) {
    return s == null ? "unreadable" : s.lines().findFirst().orElse(s);
  }

  private static String pick(String flag, JsonNode planFile, String key, String fallback) {
    if (flag != null) {
      return flag;
    }
    if (planFile != null && planFile.has(key)) {
      return planFile.get(key).asText();
    }
    return fallback;
  }

  private CanaryAnalysis analysis() {
    Analysis settings =
        new Analysis(
            Durations.parse("--interval", interval),
            Durations.parse("--initial-delay", initialDelay),
            count,
            failureLimit,
            inconclusiveLimit,
            errorLimit,
            analysisDryRun);
    List<CanaryMetric> list = new ArrayList<>();
    for (String m : metrics) {
      list.add(metric(m));
    }
    Router r = router();
    String[] fiveXx = trigger5xx.split("/", 2);
    int max5xx;
    try {
      max5xx = Integer.parseInt(fiveXx[0].trim());
    } catch (NumberFormatException e) {
      throw CliException.usage("--trigger-5xx '" + trigger5xx + "' is not COUNT/WINDOW");
    }
    Duration within =
        fiveXx.length == 2 ? Durations.parse("--trigger-5xx", fiveXx[1]) : Duration.ofSeconds(30);
    return new CanaryAnalysis(
        r.canary(),
        r.stable(),
        r.scope(),
        list.isEmpty() ? DEFAULT_METRICS : list,
        Durations.parse("--window", window),
        Durations.parse("--step", step),
        minSamples,
        confidence,
        allowedEffect,
        true,
        new RollbackTriggers(
            triggerErrorRatio,
            Durations.parse("--trigger-p95", triggerP95).toMillis() / 1000.0,
            max5xx,
            within),
        settings);
  }

  /** {@code NAME:PROMQL<MAX}; {@code NAME!} is critical; {@code <MAX} may be left out. */
  static CanaryMetric metric(String spec) {
    int colon = spec.indexOf(':');
    if (colon <= 0) {
      throw CliException.usage("--metric '" + spec + "' is not NAME:PROMQL<MAX");
    }
    String name = spec.substring(0, colon).trim();
    boolean critical = name.endsWith("!");
    if (critical) {
      name = name.substring(0, name.length() - 1);
    }
    String rest = spec.substring(colon + 1).trim();
    Double max = null;
    int lt = rest.lastIndexOf('<');
    if (lt > 0 && rest.substring(lt + 1).trim().matches("[0-9.eE+-]+")) {
      try {
        max = Double.parseDouble(rest.substring(lt + 1).trim());
      } catch (NumberFormatException e) {
        throw CliException.usage(
            "--metric " + name + ": '" + rest.substring(lt + 1) + "' is not a number");
      }
      rest = rest.substring(0, lt).trim();
    }
    if (rest.isBlank()) {
      throw CliException.usage("--metric " + name + " has an empty query");
    }
    return new CanaryMetric(name, rest, max, critical);
  }

  private static final Pattern WARM_UP = Pattern.compile("(https?://.+)@(\\d+)/(\\S+)");

  static WarmUp warmUp(String spec) {
    Matcher m = WARM_UP.matcher(spec.trim());
    if (!m.matches()) {
      throw CliException.usage("--warm-up '" + spec + "' is not URL@RPS/DURATION");
    }
    return new WarmUp(
        m.group(1), Integer.parseInt(m.group(2)), Durations.parse("--warm-up", m.group(3)));
  }

  /** {@code /health=200}, {@code /version=200:2.0.0}. */
  static SmokeCheck smokeCheck(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw CliException.usage("--smoke '" + spec + "' is not PATH=STATUS[:BODY]");
    }
    String path = spec.substring(0, eq).trim();
    String rest = spec.substring(eq + 1);
    int colon = rest.indexOf(':');
    String status = colon < 0 ? rest : rest.substring(0, colon);
    try {
      return new SmokeCheck(
          path, Integer.parseInt(status.trim()), colon < 0 ? null : rest.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw CliException.usage("--smoke " + path + ": '" + status + "' is not an HTTP status");
    }
  }
}
