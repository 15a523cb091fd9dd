package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.gate.ApprovalPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Input of {@link DeploymentWorkflow}. Build it with {@link #builder()}.
 *
 * @param service the service deployed (workflow id {@code deploy/<service>})
 * @param version the new version
 * @param initiator who starts it (recorded; may be barred from approving)
 * @param reason why, for the audit log
 * @param strategy {@link #CANARY} or {@link #BLUE_GREEN}
 * @param stages the new version's traffic shares and holds, strictly increasing, ending at 100
 * @param router where the traffic is split ({@code stable} is the live side, {@code canary} the
 *     new)
 * @param environment the ECS services of a blue-green deployment, or null (sides run already)
 * @param analysis how the canary is judged before every shift and during holds; null: no analysis
 * @param rollback what a failed gate or trigger does (default {@link RollbackPolicy#AUTO})
 * @param warmUp traffic generated before the first gate, or null
 * @param loadTest a Locust stage against the canary, or null
 * @param loadTestAfter the load test runs after the stage with this weight has held; 0: before the
 *     first traffic shift
 * @param canaryUrl the new side's own URL (load test host; blue-green health and smoke checks)
 * @param smoke blue-green smoke checks against {@code canaryUrl} before any traffic
 * @param rollbackWindow blue-green: how long the old side is kept after 100 % before it is retired
 * @param approveAt weights that need approval before the first shift reaching them
 * @param approvals how many distinct approvers, and whether the initiator counts
 * @param startPaused start paused: nothing changes until an operator resumes
 * @param resumeFrom a retry's starting point, or null
 * @param carried state carried across continue-as-new, or null
 */
public record DeployRequest(
    String service,
    String version,
    String initiator,
    String reason,
    String strategy,
    List<Stage> stages,
    Router router,
    Environment environment,
    CanaryAnalysis analysis,
    RollbackPolicy rollback,
    WarmUp warmUp,
    LoadTest loadTest,
    int loadTestAfter,
    String canaryUrl,
    List<SmokeCheck> smoke,
    Duration rollbackWindow,
    List<Integer> approveAt,
    ApprovalPolicy approvals,
    boolean startPaused,
    ResumeFrom resumeFrom,
    DeployProgress carried) {

  public static final String CANARY = "canary";
  public static final String BLUE_GREEN = "blue-green";

  @Override
  public List<Stage> stages() {
    return stages == null ? List.of() : stages;
  }

  @Override
  public List<SmokeCheck> smoke() {
    return smoke == null ? List.of() : smoke;
  }

  @Override
  public List<Integer> approveAt() {
    return approveAt == null ? List.of() : approveAt;
  }

  @Override
  public RollbackPolicy rollback() {
    return rollback == null ? RollbackPolicy.AUTO : rollback;
  }

  @Override
  public Duration rollbackWindow() {
    return rollbackWindow == null ? Duration.ZERO : rollbackWindow;
  }

  /** The URLs this deployment makes the worker call: warm-up, load-test host, idle side. */
  public List<String> outboundUrls() {
    List<String> urls = new ArrayList<>();
    if (warmUp != null && warmUp.url() != null) {
      urls.add(warmUp.url());
    }
    if (canaryUrl != null) {
      urls.add(canaryUrl);
    }
    return urls;
  }

  public boolean blueGreen() {
    return BLUE_GREEN.equals(strategy);
  }

  /** Null when a service name is valid, else one line (also the CLI's target-name rule). */
  public static String serviceProblem(String service) {
    if (service == null || service.isBlank()) {
      return "a service name is required";
    }
    if (!service.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")) {
      return "service '"
          + service
          + "' may contain only letters, digits, '_', '.' and '-' (at most 100)";
    }
    return null;
  }

  /** Null when the request is valid, else one line saying what is wrong. */
  public String problem() {
    String s = serviceProblem(service);
    if (s != null) {
      return s;
    }
    if (version == null || version.isBlank()) {
      return "a version is required";
    }
    if (initiator == null || initiator.isBlank()) {
      return "the initiator (--by) is required";
    }
    if (!CANARY.equals(strategy) && !BLUE_GREEN.equals(strategy)) {
      return "unknown strategy '" + strategy + "' (expected canary or blue-green)";
    }
    String st = stagesProblem(stages());
    if (st != null) {
      return st;
    }
    if (router == null) {
      return "a router is required";
    }
    String r = router.problem();
    if (r != null) {
      return r;
    }
    if (analysis != null && analysis.problem() != null) {
      return analysis.problem();
    }
    if (warmUp != null && warmUp.problem() != null) {
      return warmUp.problem();
    }
    String l = loadTestProblem();
    if (l != null) {
      return l;
    }
    if (canaryUrl != null
        && !(canaryUrl.startsWith("http://") || canaryUrl.startsWith("https://"))) {
      return "the canary/idle URL must start with http:// or https:// (got '" + canaryUrl + "')";
    }
    String bg = blueGreenProblem();
    if (bg != null) {
      return bg;
    }
    for (int w : approveAt()) {
      if (w < 1 || w > 100) {
        return "approval weight " + w + " is outside 1-100";
      }
    }
    if (!approveAt().isEmpty() && (approvals == null || approvals.required() < 1)) {
      return "an approval gate needs at least one approver";
    }
    return resumeFrom == null ? null : resumeFrom.problem(stages().size());
  }

  /** Weights 1..100, strictly increasing, ending at 100; holds not negative. */
  public static String stagesProblem(List<Stage> stages) {
    if (stages == null || stages.isEmpty()) {
      return "a deployment needs at least one stage";
    }
    int previous = 0;
    for (Stage st : stages) {
      if (st.problem() != null) {
        return st.problem();
      }
      if (st.weight() <= previous) {
        return "stage weights must be strictly increasing ("
            + previous
            + " then "
            + st.weight()
            + ")";
      }
      previous = st.weight();
    }
    if (previous != 100) {
      return "the last stage must be 100 % (got " + previous + " %)";
    }
    return null;
  }

  private String loadTestProblem() {
    if (loadTest == null) {
      return null;
    }
    if (loadTest.problem() != null) {
      return loadTest.problem();
    }
    if (canaryUrl == null) {
      return "a load test needs the canary's own URL (--canary-url)";
    }
    if (loadTestAfter != 0 && stages().stream().noneMatch(s -> s.weight() == loadTestAfter)) {
      return "the load test is placed after " + loadTestAfter + " %, which is not a stage";
    }
    return null;
  }

  private String blueGreenProblem() {
    if (!blueGreen()) {
      if (environment != null) {
        return "an ECS environment is for blue-green deployments (--strategy blue-green)";
      }
      if (!smoke().isEmpty()) {
        return "smoke checks are for blue-green deployments (--strategy blue-green)";
      }
      return null;
    }
    if (canaryUrl == null) {
      return "a blue-green deployment needs the idle side's URL (--idle-url) for its checks";
    }
    if (rollbackWindow().isNegative()) {
      return "the rollback window must not be negative";
    }
    for (SmokeCheck c : smoke()) {
      if (c.problem() != null) {
        return c.problem();
      }
    }
    return environment == null ? null : environment.problem();
  }

  /** The same request, carrying state across continue-as-new. */
  public DeployRequest withCarried(DeployProgress progress) {
    return toBuilder().carried(progress).build();
  }

  /** A retry of this request: a new run from {@code from}, started by {@code by}. */
  public DeployRequest retrying(ResumeFrom from, String by, String why) {
    return toBuilder()
        .initiator(by)
        .reason(why)
        .resumeFrom(from)
        .carried(null)
        .startPaused(false)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.service = service;
    b.version = version;
    b.initiator = initiator;
    b.reason = reason;
    b.strategy = strategy;
    b.stages = stages;
    b.router = router;
    b.environment = environment;
    b.analysis = analysis;
    b.rollback = rollback;
    b.warmUp = warmUp;
    b.loadTest = loadTest;
    b.loadTestAfter = loadTestAfter;
    b.canaryUrl = canaryUrl;
    b.smoke = smoke;
    b.rollbackWindow = rollbackWindow;
    b.approveAt = approveAt;
    b.approvals = approvals;
    b.startPaused = startPaused;
    b.resumeFrom = resumeFrom;
    b.carried = carried;
    return b;
  }

  /** Builds a {@link DeployRequest}; canary strategy, policy auto and no extras by default. */
  public static final class Builder {
    private String service;
    private String version;
    private String initiator;
    private String reason;
    private String strategy = CANARY;
    private List<Stage> stages = DeployPresets.DEFAULT_CANARY;
    private Router router;
    private Environment environment;
    private CanaryAnalysis analysis;
    private RollbackPolicy rollback = RollbackPolicy.AUTO;
    private WarmUp warmUp;
    private LoadTest loadTest;
    private int loadTestAfter;
    private String canaryUrl;
    private List<SmokeCheck> smoke = List.of();
    private Duration rollbackWindow = Duration.ZERO;
    private List<Integer> approveAt = List.of();
    private ApprovalPolicy approvals;
    private boolean startPaused;
    private ResumeFrom resumeFrom;
    private DeployProgress carried;

    public Builder service(String v) {
      service = v;
      return this;
    }

    public Builder version(String v) {
      version = v;
      return this;
    }

    public Builder initiator(String v) {
      initiator = v;
      return this;
    }

    public Builder reason(String v) {
      reason = v;
      return this;
    }

    public Builder strategy(String v) {
      strategy = v;
      return this;
    }

    public Builder stages(List<Stage> v) {
      stages = v;
      return this;
    }

    public Builder router(Router v) {
      router = v;
      return this;
    }

    public Builder environment(Environment v) {
      environment = v;
      return this;
    }

    public Builder analysis(CanaryAnalysis v) {
      analysis = v;
      return this;
    }

    public Builder rollback(RollbackPolicy v) {
      rollback = v;
      return this;
    }

    public Builder warmUp(WarmUp v) {
      warmUp = v;
      return this;
    }

    public Builder loadTest(LoadTest v, int afterWeight) {
      loadTest = v;
      loadTestAfter = afterWeight;
      return this;
    }

    public Builder canaryUrl(String v) {
      canaryUrl = v;
      return this;
    }

    public Builder smoke(List<SmokeCheck> v) {
      smoke = v;
      return this;
    }

    public Builder rollbackWindow(Duration v) {
      rollbackWindow = v;
      return this;
    }

    public Builder approveAt(List<Integer> at, ApprovalPolicy policy) {
      approveAt = at;
      approvals = policy;
      return this;
    }

    public Builder startPaused(boolean v) {
      startPaused = v;
      return this;
    }

    public Builder resumeFrom(ResumeFrom v) {
      resumeFrom = v;
      return this;
    }

    public Builder carried(DeployProgress v) {
      carried = v;
      return this;
    }

    public DeployRequest build() {
      return new DeployRequest(
          service,
          version,
          initiator,
          reason,
          strategy,
          stages,
          router,
          environment,
          analysis,
          rollback,
          warmUp,
          loadTest,
          loadTestAfter,
          canaryUrl,
          smoke,
          rollbackWindow,
          approveAt,
          approvals,
          startPaused,
          resumeFrom,
          carried);
    }
  }
}
