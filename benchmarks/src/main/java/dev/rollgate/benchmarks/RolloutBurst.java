package dev.rollgate.benchmarks;

import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.benchmarks.KillSwitchPropagation.Samples;
import dev.rollgate.benchmarks.KillSwitchThroughTemporal.TemporalDevServer;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.RolloutPlan;
import dev.rollgate.workflows.rollout.StartRolloutRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehavior;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;
import io.temporal.worker.tuning.PollerBehaviorSimpleMaximum;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jooq.CloseableDSLContext;
import org.jooq.Record3;
import org.jooq.impl.DSL;

/**
 * A burst of rollout starts on one worker: N rollouts (default 1,000) started by C concurrent
 * clients (default 32, each with its own connection, as separate CLI processes would have) paced
 * evenly over S seconds (default 30), each a plan of steps 10 %, 100 % with a hold (default 60 s)
 * before the second step.
 *
 * <p>Two phases against one real Temporal dev server ({@code temporal server start-dev}, SQLite
 * file, started here as a child process on a free 127.0.0.1 port, or an existing one with {@code
 * --temporal-target}):
 *
 * <ol>
 *   <li>{@code floor}: the same burst against the server alone. A probe workflow of the same shape
 *       (activity, timer of the hold, activity) runs on a worker in this JVM whose activity does
 *       nothing but note the time; what is left is Temporal's own dispatch and timer delay.
 *   <li>{@code rollgate}: the real worker ({@code java -jar worker.jar}, a child process on its dev
 *       stack: embedded PostgreSQL and Redis, adopting the Temporal server above) runs {@code
 *       FlagRollout}. Flags are created first in its PostgreSQL through {@link FlagStore}.
 * </ol>
 *
 * <p>Measured per rollout, with the wall clock of this host (every process runs here): the start
 * request (sent, returned); <b>first-step delay</b> = first step applied − start request sent,
 * where "applied" is the flag store's {@code rollgate_flag_change.changed_at} of the rollout's
 * first change (floor: when the probe's first activity ran); <b>held-step lateness</b> = second
 * step applied − due time, the due time being the hold timer's {@code TimerStarted} event time plus
 * its {@code startToFireTimeout} in the workflow's history; the server's part of it = {@code
 * TimerFired} − due. Failures: starts that threw, workflows not completed, and workflow or activity
 * task timeouts/failures in the histories. CPU (utime+stime from {@code /proc/PID/stat}) and RSS
 * ({@code VmRSS}) of the worker JVM, its embedded PostgreSQL + Redis (its child processes), the
 * Temporal server and this JVM are sampled every second, with the load average.
 *
 * <p>Options (defaults): {@code --rollouts=1000 --clients=32 --start-seconds=30 --hold-seconds=60
 * --warmup=20 --timeout-seconds=900 --phases=floor,rollgate
 * --worker-jar=worker/target/rollgate-worker-0.1.0-SNAPSHOT.jar --temporal=PATH}; {@code
 * --worker-arg=--key=value} (repeatable) is passed to the worker, {@code --worker-jvm-arg=...}
 * (repeatable) to its JVM; {@code --sdk-defaults} runs both phases with the Temporal SDK's default
 * worker settings (2 workflow / 5 activity pollers, cache and threads 600) instead of Rollgate's
 * {@code rollgate.worker.*} defaults; {@code --temporal-in-memory} runs the dev server without its
 * SQLite file (to see what persistence costs); {@code --sqlite-pragma=PRAGMA=VALUE} (repeatable,
 * e.g. {@code journal_mode=wal}) is passed to the dev server as {@code --sqlite-pragma}; {@code
 * --temporal-target=HOST:PORT} uses a running server (with {@code --temporal-pid=PID} to measure
 * it).
 */
public final class RolloutBurst {
  static final String HOST = KillSwitchThroughTemporal.HOST;
  static final String INITIATOR = "burst-bench";
  static final String FLOOR_QUEUE = "rollgate-burst-floor";
  static final List<Double> STEPS = List.of(10.0, 100.0);

  /** The worker settings that restore the SDK's defaults (see RollgateProperties.Worker). */
  static final List<String> SDK_DEFAULT_WORKER_ARGS =
      List.of(
          "--rollgate.worker.workflow-cache-size=600",
          "--rollgate.worker.max-workflow-threads=600",
          "--rollgate.worker.workflow-pollers.autoscaling=false",
          "--rollgate.worker.workflow-pollers.maximum=2",
          "--rollgate.worker.activity-pollers.autoscaling=false",
          "--rollgate.worker.activity-pollers.maximum=5");

  private RolloutBurst() {}

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.parse(args);
    Path tmp = LocalServers.tempDirectory();
    String tag = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36);
    System.out.printf(
        Locale.ROOT,
        "Rollout burst: %d rollouts from %d clients over %d s, steps %s with a %d s hold, %d"
            + " warm-up rollouts, phases %s, worker settings: %s; %d CPUs, JDK %s, run tag %s%n",
        settings.rollouts,
        settings.clients,
        settings.startSeconds,
        STEPS,
        settings.holdSeconds,
        settings.warmup,
        settings.phases,
        settings.sdkDefaults ? "Temporal SDK defaults" : "rollgate.worker.* defaults",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        tag);

    TemporalDevServer temporal = null;
    try {
      String target = settings.temporalTarget;
      long temporalPid = settings.temporalPid;
      if (target == null) {
        long t0 = System.nanoTime();
        temporal =
            TemporalDevServer.start(
                KillSwitchThroughTemporal.temporalCli(args),
                tmp,
                settings.temporalInMemory,
                KillSwitchThroughTemporal.dynamicConfig(args),
                KillSwitchThroughTemporal.sqlitePragmas(args));
        target = temporal.target();
        temporalPid = temporal.process.pid();
        System.out.printf(
            Locale.ROOT,
            "Temporal dev server (%s, %s%s) on %s, pid %d, up in %d ms; log %s%n",
            temporal.version,
            settings.temporalInMemory ? "in-memory SQLite" : "SQLite file " + temporal.db,
            KillSwitchThroughTemporal.sqlitePragmas(args).isEmpty()
                ? ""
                : ", SQLite pragmas " + KillSwitchThroughTemporal.sqlitePragmas(args),
            target,
            temporalPid,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
            temporal.log);
      }
      if (settings.phases.contains("floor")) {
        floor(settings, target, temporalPid, tag);
      }
      if (settings.phases.contains("rollgate")) {
        rollgate(settings, target, temporalPid, tag, tmp);
      }
    } finally {
      if (temporal != null) {
        temporal.close();
      }
    }
  }

  // ---------------------------------------------------------------- phase 1: the server alone

  /**
   * The probe: the shape of a two-step rollout (the same workflow tasks, activities and timer, in
   * the same order) without Rollgate's work behind the activities.
   */
  @WorkflowInterface
  public interface ProbeWorkflow {
    @WorkflowMethod(name = "BurstProbe")
    void run(long holdMillis);
  }

  @ActivityInterface
  public interface ProbeStep {
    /** {@code step} 0 and 1 stand for the flag changes; negative ones for describe and audit. */
    @ActivityMethod(name = "BurstProbeStep")
    void step(int step);
  }

  public static final class ProbeWorkflowImpl implements ProbeWorkflow {
    private final ProbeStep steps =
        Workflow.newActivityStub(
            ProbeStep.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public void run(long holdMillis) {
      steps.step(-1); // describe the flag
      Promise<Void> started = Async.procedure(steps::step, -2); // audit, not awaited
      steps.step(0); // step 1
      Promise<Void> applied = Async.procedure(steps::step, -2);
      Workflow.sleep(Duration.ofMillis(holdMillis));
      steps.step(1); // step 2
      Promise<Void> completed = Async.procedure(steps::step, -2);
      Promise.allOf(started, applied, completed).get();
    }
  }

  /** Notes when each probe's steps ran (wall clock), by workflow id. */
  static final class ProbeStepImpl implements ProbeStep {
    final Map<String, long[]> applied = new ConcurrentHashMap<>();

    @Override
    public void step(int step) {
      if (step < 0) {
        return;
      }
      long now = System.currentTimeMillis();
      String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
      applied.computeIfAbsent(workflowId, id -> new long[2])[step] = now;
    }
  }

  private static void floor(Settings settings, String target, long temporalPid, String tag)
      throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n## Phase floor: the burst against the Temporal server alone (probe workflow, no-op"
            + " activities, worker in this JVM)%n");
    WorkflowServiceStubs service = stubs(target);
    WorkerFactory factory =
        WorkerFactory.newInstance(
            WorkflowClient.newInstance(service), factoryOptions(settings.sdkDefaults));
    ProbeStepImpl steps = new ProbeStepImpl();
    Worker worker = factory.newWorker(FLOOR_QUEUE, workerOptions(settings.sdkDefaults));
    worker.registerWorkflowImplementationTypes(ProbeWorkflowImpl.class);
    worker.registerActivitiesImplementations(steps);
    factory.start();
    try (ProcSampler sampler = new ProcSampler()) {
      sampler.watch("Temporal server", temporalPid, false);
      sampler.watch("benchmark JVM (clients + probe worker)", ProcessHandle.current().pid(), false);
      WorkflowClient client = WorkflowClient.newInstance(service);
      // warm-up: the same path, short holds, not counted
      List<String> warmIds = new ArrayList<>();
      for (int i = 0; i < settings.warmup; i++) {
        String id = "burst-probe/" + tag + "-w" + i;
        warmIds.add(id);
        WorkflowClient.start(
            client.newWorkflowStub(ProbeWorkflow.class, probeOptions(id))::run, 1_000L);
      }
      awaitClosed(client, "BurstProbe", System.nanoTime() + TimeUnit.SECONDS.toNanos(120));

      String[] ids = new String[settings.rollouts];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = "burst-probe/" + tag + "-" + i;
      }
      long hold = TimeUnit.SECONDS.toMillis(settings.holdSeconds);
      sampler.start();
      Burst burst =
          Burst.run(
              target,
              settings,
              (c, i) ->
                  WorkflowClient.start(
                      c.newWorkflowStub(ProbeWorkflow.class, probeOptions(ids[i]))::run, hold));
      boolean allClosed = awaitClosed(client, "BurstProbe", burst.deadline(settings));
      sampler.stop();
      Map<String, long[]> appliedAt = new HashMap<>();
      for (String id : ids) {
        long[] at = steps.applied.get(id);
        appliedAt.put(id, at == null ? new long[2] : at.clone());
      }
      Results results = Results.collect(client, ids, burst, appliedAt, hold);
      results.print("floor (server alone)", burst, allClosed);
      sampler.print();
    } finally {
      factory.shutdown();
      factory.awaitTermination(10, TimeUnit.SECONDS);
      factory.shutdownNow();
      service.shutdownNow();
    }
  }

  private static WorkflowOptions probeOptions(String workflowId) {
    return WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(FLOOR_QUEUE).build();
  }

  /** The probe worker takes the same settings as the Rollgate worker in this run. */
  private static WorkerFactoryOptions factoryOptions(boolean sdkDefaults) {
    WorkerFactoryOptions.Builder builder = WorkerFactoryOptions.newBuilder();
    if (!sdkDefaults) {
      // rollgate.worker.workflow-cache-size / max-workflow-threads defaults
      builder.setWorkflowCacheSize(2000).setMaxWorkflowThreadCount(2000);
    }
    return builder.build();
  }

  private static WorkerOptions workerOptions(boolean sdkDefaults) {
    WorkerOptions.Builder builder = WorkerOptions.newBuilder();
    if (!sdkDefaults) {
      // rollgate.worker.{workflow,activity}-pollers defaults
      PollerBehavior pollers = new PollerBehaviorAutoscaling(1, 16, 4);
      builder.setWorkflowTaskPollersBehavior(pollers).setActivityTaskPollersBehavior(pollers);
    } else {
      builder
          .setWorkflowTaskPollersBehavior(new PollerBehaviorSimpleMaximum(2))
          .setActivityTaskPollersBehavior(new PollerBehaviorSimpleMaximum(5));
    }
    return builder.build();
  }

  // ---------------------------------------------------------------- phase 2: the real worker

  private static void rollgate(
      Settings settings, String target, long temporalPid, String tag, Path tmp) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n## Phase rollgate: the burst against the Rollgate worker (FlagRollout, real"
            + " activities, its dev stack)%n");
    int temporalPort = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    try (WorkerProcess worker = WorkerProcess.start(settings, temporalPort, tmp, tag);
        CloseableDSLContext db = DSL.using(worker.jdbcUrl(), "postgres", "");
        ProcSampler sampler = new ProcSampler()) {
      FlagStore store = new FlagStore(db, Clock.systemUTC());
      String[] flags = new String[settings.rollouts];
      String[] ids = new String[settings.rollouts];
      for (int i = 0; i < flags.length; i++) {
        flags[i] = "burst_" + tag + "_" + i;
        ids[i] = FlagRolloutWorkflow.workflowId(flags[i]);
      }
      List<String> warmFlags = new ArrayList<>();
      for (int i = 0; i < settings.warmup; i++) {
        warmFlags.add("burst_" + tag + "_w" + i);
      }
      long t0 = System.nanoTime();
      for (String flag : concat(warmFlags, Arrays.asList(flags))) {
        store.apply(
            new FlagStore.Change(
                flag, d -> d, true, "burst-create-" + flag, INITIATOR, "burst set-up", null));
      }
      System.out.printf(
          Locale.ROOT,
          "%d flags created in %d ms%n",
          warmFlags.size() + flags.length,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

      sampler.watch("worker JVM", worker.pid(), false);
      sampler.watch("worker's PostgreSQL + Redis (children)", worker.pid(), true);
      sampler.watch("Temporal server", temporalPid, false);
      sampler.watch("benchmark JVM (clients)", ProcessHandle.current().pid(), false);

      WorkflowServiceStubs service = stubs(target);
      try {
        WorkflowClient client = WorkflowClient.newInstance(service);
        for (String flag : warmFlags) {
          startRollout(client, flag, Duration.ofSeconds(1));
        }
        awaitClosed(client, FlagRolloutWorkflow.TYPE, System.nanoTime() + 120_000_000_000L);

        Duration hold = Duration.ofSeconds(settings.holdSeconds);
        sampler.start();
        Burst burst = Burst.run(target, settings, (c, i) -> startRollout(c, flags[i], hold));
        boolean allClosed = awaitClosed(client, FlagRolloutWorkflow.TYPE, burst.deadline(settings));
        sampler.stop();
        Map<String, long[]> appliedAt = stepTimes(db, tag);
        Results results = Results.collect(client, ids, burst, appliedAt, hold.toMillis());
        results.print("rollgate worker", burst, allClosed);
        sampler.print();
        worker.printMetrics();
      } finally {
        service.shutdownNow();
      }
    }
  }

  /** What {@code rollgate rollout start} does (RolloutStartCommand), for a two-step plan. */
  private static void startRollout(WorkflowClient client, String flag, Duration hold) {
    String workflowId = FlagRolloutWorkflow.workflowId(flag);
    client
        .newUntypedWorkflowStub(
            FlagRolloutWorkflow.TYPE, KillSwitchThroughTemporal.options(workflowId, flag))
        .start(StartRolloutRequest.of(flag, INITIATOR, RolloutPlan.explicit(STEPS, hold)));
  }

  /**
   * When each rollout's steps were applied: the first two changes of each flag after the one that
   * created it, from the flag store (PostgreSQL's clock, this host).
   */
  private static Map<String, long[]> stepTimes(CloseableDSLContext db, String tag) {
    Map<String, long[]> times = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Record3<String, Long, Timestamp> row :
        db.select(
                DSL.field("flag", String.class),
                DSL.field("version", Long.class),
                DSL.field("changed_at", Timestamp.class))
            .from(DSL.table("rollgate_flag_change"))
            .where(DSL.field("flag", String.class).like("burst\\_" + tag + "\\_%"))
            .and(DSL.field("actor", String.class).ne(INITIATOR))
            .orderBy(DSL.field("flag"), DSL.field("version"))
            .fetch()) {
      String id = FlagRolloutWorkflow.workflowId(row.value1());
      int n = seen.merge(id, 1, Integer::sum) - 1;
      if (n < 2) {
        times.computeIfAbsent(id, k -> new long[2])[n] = row.value3().getTime();
      }
    }
    return times;
  }

  // ---------------------------------------------------------------- the burst

  /** Start calls, one per index, made by one of the clients. */
  interface StartCall {
    void start(WorkflowClient client, int index);
  }

  /** When each start was sent (wall clock) and how long its call took. */
  record Burst(long[] sentAtMillis, long[] callNanos, String[] failure, long spanNanos) {

    static Burst run(String target, Settings settings, StartCall call) throws Exception {
      int n = settings.rollouts;
      long[] sentAt = new long[n];
      long[] callNanos = new long[n];
      String[] failure = new String[n];
      List<WorkflowServiceStubs> connections = new ArrayList<>();
      for (int c = 0; c < settings.clients; c++) {
        connections.add(stubs(target));
      }
      ExecutorService pool = Executors.newFixedThreadPool(settings.clients);
      AtomicInteger next = new AtomicInteger();
      long intervalNanos = TimeUnit.SECONDS.toNanos(settings.startSeconds) / n;
      long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      long[] lastReturn = new long[1];
      try {
        List<Future<?>> done = new ArrayList<>();
        for (WorkflowServiceStubs connection : connections) {
          WorkflowClient client = WorkflowClient.newInstance(connection);
          done.add(
              pool.submit(
                  () -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                      long due = t0 + i * intervalNanos;
                      for (long wait = due - System.nanoTime();
                          wait > 0;
                          wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                      }
                      sentAt[i] = System.currentTimeMillis();
                      long start = System.nanoTime();
                      try {
                        call.start(client, i);
                      } catch (RuntimeException e) {
                        failure[i] = e.getClass().getSimpleName() + ": " + e.getMessage();
                      }
                      long end = System.nanoTime();
                      callNanos[i] = end - start;
                      synchronized (lastReturn) {
                        lastReturn[0] = Math.max(lastReturn[0], end);
                      }
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
        connections.forEach(WorkflowServiceStubs::shutdownNow);
      }
      return new Burst(sentAt, callNanos, failure, lastReturn[0] - t0);
    }

    /** Until when to wait for every workflow to close. */
    long deadline(Settings settings) {
      return System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.holdSeconds + 600L);
    }
  }

  /** Waits until no workflow of {@code type} is running (visibility count on the server). */
  private static boolean awaitClosed(WorkflowClient client, String type, long deadline)
      throws InterruptedException {
    CountWorkflowExecutionsRequest request =
        CountWorkflowExecutionsRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setQuery("WorkflowType = '" + type + "' AND ExecutionStatus = 'Running'")
            .build();
    while (true) {
      long running =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .countWorkflowExecutions(request)
              .getCount();
      if (running == 0) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        System.out.printf(
            Locale.ROOT, "%d %s workflows still running at the deadline%n", running, type);
        return false;
      }
      Thread.sleep(2_000);
    }
  }

  // ---------------------------------------------------------------- results

  /** What the histories and step times say about the burst. */
  record Results(
      Samples firstStep,
      Samples firstTaskDispatch,
      Samples lateness,
      Samples timerFiredLate,
      int completed,
      int notCompleted,
      int missingSteps,
      Map<String, Integer> taskProblems) {

    static Results collect(
        WorkflowClient client, String[] ids, Burst burst, Map<String, long[]> appliedAt, long hold)
        throws Exception {
      Samples firstStep = new Samples();
      Samples dispatch = new Samples();
      Samples lateness = new Samples();
      Samples timerLate = new Samples();
      Map<String, Integer> problems = new LinkedHashMap<>();
      int completed = 0;
      int notCompleted = 0;
      int missing = 0;
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<List<HistoryEvent>>> histories = new ArrayList<>();
        for (String id : ids) {
          histories.add(pool.submit(() -> client.fetchHistory(id).getEvents()));
        }
        for (int i = 0; i < ids.length; i++) {
          if (burst.failure[i] != null) {
            notCompleted++;
            continue;
          }
          List<HistoryEvent> events = histories.get(i).get();
          long startedAt = 0;
          long firstTaskStarted = 0;
          long due = 0;
          long fired = 0;
          boolean done = false;
          for (HistoryEvent e : events) {
            long at = millis(e);
            EventType type = e.getEventType();
            switch (type) {
              case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> startedAt = at;
              case EVENT_TYPE_WORKFLOW_TASK_STARTED -> {
                if (firstTaskStarted == 0) {
                  firstTaskStarted = at;
                }
              }
              case EVENT_TYPE_TIMER_STARTED -> {
                com.google.protobuf.Duration d =
                    e.getTimerStartedEventAttributes().getStartToFireTimeout();
                long timeout = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
                // the hold's timer (a rollout may set shorter ones, e.g. guardrail checks)
                if (due == 0 && Math.abs(timeout - hold) < 1_000) {
                  due = at + timeout;
                }
              }
              case EVENT_TYPE_TIMER_FIRED -> {
                if (due != 0 && fired == 0) {
                  fired = at;
                }
              }
              case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> done = true;
              case EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT ->
                  // SCHEDULE_TO_START: not picked from the sticky queue in time; START_TO_CLOSE:
                  // not completed in time
                  problems.merge(
                      "WORKFLOW_TASK_TIMED_OUT/"
                          + e.getWorkflowTaskTimedOutEventAttributes()
                              .getTimeoutType()
                              .name()
                              .substring("TIMEOUT_TYPE_".length()),
                      1,
                      Integer::sum);
              case EVENT_TYPE_WORKFLOW_TASK_FAILED,
                  EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
                  EVENT_TYPE_ACTIVITY_TASK_FAILED ->
                  problems.merge(type.name().substring("EVENT_TYPE_".length()), 1, Integer::sum);
              default -> {}
            }
          }
          if (done) {
            completed++;
          } else {
            notCompleted++;
          }
          if (startedAt > 0 && firstTaskStarted > 0) {
            dispatch.add(TimeUnit.MILLISECONDS.toNanos(firstTaskStarted - burst.sentAtMillis[i]));
          }
          long[] steps = appliedAt.get(ids[i]);
          if (steps == null || steps[0] == 0 || steps[1] == 0 || due == 0) {
            missing++;
            continue;
          }
          firstStep.add(TimeUnit.MILLISECONDS.toNanos(steps[0] - burst.sentAtMillis[i]));
          lateness.add(TimeUnit.MILLISECONDS.toNanos(steps[1] - due));
          if (fired > 0) {
            timerLate.add(TimeUnit.MILLISECONDS.toNanos(fired - due));
          }
        }
      } finally {
        pool.shutdownNow();
      }
      return new Results(
          firstStep, dispatch, lateness, timerLate, completed, notCompleted, missing, problems);
    }

    private static long millis(HistoryEvent e) {
      return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
    }

    void print(String label, Burst burst, boolean allClosed) {
      Samples calls = new Samples();
      int failedStarts = 0;
      for (int i = 0; i < burst.callNanos.length; i++) {
        if (burst.failure[i] == null) {
          calls.add(burst.callNanos[i]);
        } else if (failedStarts++ < 3) {
          System.out.println("start failed: " + burst.failure[i]);
        }
      }
      double seconds = burst.spanNanos / 1e9;
      System.out.printf(
          Locale.ROOT,
          "%n### %s%nstarts: %d in %.1f s = %.1f/s, %d failed; workflows completed %d, not"
              + " completed %d%s; rollouts without both steps or a hold timer: %d;"
              + " task timeouts/failures in histories: %s%n%n",
          label,
          burst.callNanos.length,
          seconds,
          burst.callNanos.length / seconds,
          failedStarts,
          completed,
          notCompleted,
          allClosed ? "" : " (deadline passed)",
          missingSteps,
          taskProblems.isEmpty() ? "none" : taskProblems);
      System.out.println("| measure (ms) | N | p50 | p90 | p99 | max |");
      System.out.println("|---|---:|---:|---:|---:|---:|");
      calls.print("start call (request → returned)");
      firstStep.print("first step: start sent → step 1 applied");
      firstTaskDispatch.print("– first workflow task started (history)");
      lateness.print("held step: step 2 applied − due");
      timerFiredLate.print("– TimerFired − due (server)");
    }
  }

  // ---------------------------------------------------------------- the worker process

  /** {@code java -jar worker.jar} on its dev stack, adopting the Temporal server. */
  static final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final int httpPort;
    private final int postgresPort;
    private final Path log;

    private WorkerProcess(Process process, int httpPort, int postgresPort, Path log) {
      this.process = process;
      this.httpPort = httpPort;
      this.postgresPort = postgresPort;
      this.log = log;
    }

    static WorkerProcess start(Settings settings, int temporalPort, Path tmp, String tag)
        throws Exception {
      Path jar = Path.of(settings.workerJar).toAbsolutePath();
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException(
            "no worker jar at " + jar + ": build it (./mvnw -pl worker -am package -DskipTests)");
      }
      int httpPort = LocalServers.freePort();
      int postgresPort = LocalServers.freePort();
      Path state = tmp.resolve("rollout-burst-" + tag);
      Path log = tmp.resolve("rollout-burst-" + tag + "-worker.log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(settings.workerJvmArgs);
      command.add("-Djava.io.tmpdir=" + tmp);
      command.addAll(List.of("-jar", jar.toString()));
      command.addAll(
          List.of(
              "--rollgate.dev.state-dir=" + state,
              "--rollgate.dev.temporal-port=" + temporalPort,
              "--rollgate.dev.temporal-ui-port=0",
              "--rollgate.dev.postgres-port=" + postgresPort,
              "--rollgate.dev.redis-port=0",
              "--rollgate.dev.s3-port=0",
              "--server.address=" + HOST,
              "--server.port=" + httpPort));
      if (settings.sdkDefaults) {
        command.addAll(SDK_DEFAULT_WORKER_ARGS);
      }
      command.addAll(settings.workerArgs);
      long t0 = System.nanoTime();
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      WorkerProcess worker = new WorkerProcess(process, httpPort, postgresPort, log);
      try {
        worker.awaitHealthy(Duration.ofSeconds(180));
      } catch (Exception e) {
        worker.close();
        throw e;
      }
      System.out.printf(
          Locale.ROOT,
          "worker pid %d healthy on %s:%d in %d ms (state %s, log %s)%nworker command: %s%n",
          process.pid(),
          HOST,
          httpPort,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
          state,
          log,
          String.join(" ", command));
      try (var lines = Files.lines(log)) {
        lines.filter(l -> l.contains("Temporal worker on task queue")).forEach(System.out::println);
      }
      return worker;
    }

    long pid() {
      return process.pid();
    }

    String jdbcUrl() {
      return "jdbc:postgresql://" + HOST + ":" + postgresPort + "/postgres";
    }

    private void awaitHealthy(Duration timeout) throws Exception {
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the worker exited (see " + log + ")");
        }
        try {
          HttpResponse<String> health =
              http.send(
                  HttpRequest.newBuilder(url("/actuator/health")).build(),
                  HttpResponse.BodyHandlers.ofString());
          if (health.statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the worker was not healthy in " + timeout);
        }
        Thread.sleep(250);
      }
    }

    private URI url(String path) {
      return URI.create("http://" + HOST + ":" + httpPort + path);
    }

    /** The SDK's own view: cache evictions, pollers, schedule-to-start latency. */
    void printMetrics() {
      try {
        String body =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(url("/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        System.out.println("\nworker metrics (Temporal SDK, /actuator/prometheus):");
        body.lines()
            .filter(l -> !l.startsWith("#"))
            .filter(
                l ->
                    l.contains("sticky_cache")
                        || l.contains("num_pollers")
                        || l.contains("schedule_to_start_latency_seconds_max")
                        || l.contains("workflow_task_execution_failed")
                        || l.contains("workflow_task_no_completion"))
            .forEach(l -> System.out.println("  " + l));
      } catch (Exception e) {
        System.out.println("worker metrics not read: " + e);
      }
    }

    @Override
    public void close() {
      List<ProcessHandle> children = process.descendants().toList();
      // SIGTERM: Spring stops the dev stack (PostgreSQL, Redis) before the JVM exits
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      for (ProcessHandle child : children) {
        if (child.isAlive()) {
          child.destroy();
        }
      }
    }
  }

  // ---------------------------------------------------------------- CPU and memory from /proc

  /**
   * Samples CPU time and RSS of some processes (and optionally only their children) each second.
   */
  static final class ProcSampler implements AutoCloseable {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private record Watched(String label, long pid, boolean childrenOnly) {}

    private final List<Watched> watched = new ArrayList<>();
    private final Map<String, Map<Long, Long>> lastTicks = new LinkedHashMap<>();
    private final Map<String, long[]> totals = new LinkedHashMap<>(); // ticks, peak rss kB
    private final Map<String, Double> peakCpu = new LinkedHashMap<>();
    private final List<Double> loads = new ArrayList<>();
    private Thread thread;
    private volatile boolean running;
    private long startNanos;
    private long stopNanos;

    void watch(String label, long pid, boolean childrenOnly) {
      if (pid > 0) {
        watched.add(new Watched(label, pid, childrenOnly));
      }
    }

    void start() {
      for (Watched w : watched) {
        Map<Long, Long> ticks = new HashMap<>();
        for (long pid : pids(w)) {
          ticks.put(pid, ticks(pid));
        }
        lastTicks.put(w.label, ticks);
        totals.put(w.label, new long[2]);
        peakCpu.put(w.label, 0.0);
      }
      running = true;
      startNanos = System.nanoTime();
      thread = new Thread(this::loop, "proc-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      if (thread != null) {
        thread.interrupt();
        thread.join();
      }
      sample(1.0);
      stopNanos = System.nanoTime();
    }

    private void loop() {
      while (running) {
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          return;
        }
        sample(1.0);
      }
    }

    private synchronized void sample(double intervalSeconds) {
      for (Watched w : watched) {
        Map<Long, Long> last = lastTicks.get(w.label);
        Map<Long, Long> now = new HashMap<>();
        long delta = 0;
        long rss = 0;
        for (long pid : pids(w)) {
          long t = ticks(pid);
          if (t < 0) {
            continue;
          }
          now.put(pid, t);
          delta += t - last.getOrDefault(pid, 0L);
          rss += rssKb(pid);
        }
        lastTicks.put(w.label, now);
        long[] total = totals.get(w.label);
        total[0] += Math.max(0, delta);
        total[1] = Math.max(total[1], rss);
        peakCpu.merge(w.label, delta / TICKS_PER_SECOND / intervalSeconds * 100, Math::max);
      }
      loads.add(loadAverage());
    }

    private static List<Long> pids(Watched w) {
      return ProcessHandle.of(w.pid)
          .map(
              h ->
                  w.childrenOnly
                      ? h.descendants().map(ProcessHandle::pid).toList()
                      : List.of(h.pid()))
          .orElse(List.of());
    }

    void print() {
      double seconds = (stopNanos - startNanos) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "%nCPU and memory over the %.0f s from the first start until every workflow closed"
              + " (100 %% = one core); load average (1 min) %.2f–%.2f:%n%n",
          seconds,
          loads.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
          loads.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
      System.out.println("| process | CPU avg | CPU peak (1 s) | RSS peak |");
      System.out.println("|---|---:|---:|---:|");
      for (Watched w : watched) {
        long[] total = totals.get(w.label);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.1f %% | %.0f %% | %d MB |%n",
            w.label,
            total[0] / TICKS_PER_SECOND / seconds * 100,
            peakCpu.get(w.label),
            total[1] / 1024);
      }
    }

    private static long ticks(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // fields after the command (which may contain spaces) in parentheses
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    private static long rssKb(long pid) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // exited
      }
      return 0;
    }

    private static double loadAverage() {
      try {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
      } catch (IOException | RuntimeException e) {
        return Double.NaN;
      }
    }

    @Override
    public void close() {
      running = false;
      if (thread != null) {
        thread.interrupt();
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  // ---------------------------------------------------------------- options

  static WorkflowServiceStubs stubs(String target) {
    return WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  record Settings(
      int rollouts,
      int clients,
      int startSeconds,
      int holdSeconds,
      int warmup,
      List<String> phases,
      boolean sdkDefaults,
      String workerJar,
      List<String> workerArgs,
      List<String> workerJvmArgs,
      String temporalTarget,
      long temporalPid,
      boolean temporalInMemory) {

    static Settings parse(String[] args) {
      Settings s =
          new Settings(
              KillSwitchPropagation.intOption(args, "rollouts", 1000),
              KillSwitchPropagation.intOption(args, "clients", 32),
              KillSwitchPropagation.intOption(args, "start-seconds", 30),
              KillSwitchPropagation.intOption(args, "hold-seconds", 60),
              KillSwitchPropagation.intOption(args, "warmup", 20),
              List.of(option(args, "phases", "floor,rollgate").split(",")),
              Arrays.asList(args).contains("--sdk-defaults"),
              option(args, "worker-jar", "worker/target/rollgate-worker-0.1.0-SNAPSHOT.jar"),
              options(args, "worker-arg"),
              options(args, "worker-jvm-arg"),
              option(args, "temporal-target", null),
              KillSwitchPropagation.intOption(args, "temporal-pid", 0),
              Arrays.asList(args).contains("--temporal-in-memory"));
      if (s.rollouts < 1 || s.clients < 1 || s.startSeconds < 1 || s.holdSeconds < 2) {
        throw new IllegalArgumentException(
            "rollouts, clients, start-seconds must be >= 1 and hold-seconds >= 2");
      }
      return s;
    }

    private static String option(String[] args, String name, String defaultValue) {
      List<String> all = options(args, name);
      return all.isEmpty() ? defaultValue : all.get(all.size() - 1);
    }

    private static List<String> options(String[] args, String name) {
      String prefix = "--" + name + "=";
      List<String> values = new ArrayList<>();
      for (String arg : args) {
        if (arg.startsWith(prefix)) {
          values.add(arg.substring(prefix.length()));
        }
      }
      return values;
    }
  }
}
