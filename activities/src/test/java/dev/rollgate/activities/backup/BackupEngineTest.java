package dev.rollgate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
import dev.rollgate.workflows.backup.BackupActivities;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.DrillRecord;
import dev.rollgate.workflows.backup.DumpJob;
import dev.rollgate.workflows.backup.RestoreActivities;
import dev.rollgate.workflows.backup.RestoreJob;
import dev.rollgate.workflows.backup.RestoreResult;
import dev.rollgate.workflows.backup.RetentionPlan;
import dev.rollgate.workflows.backup.RetentionPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The backup engine against real servers: embedded PostgreSQL 18 (Rollgate's schema and the
 * database backed up, {@code shop}), embedded S3Proxy, and the PostgreSQL 18 client tools.
 */
class BackupEngineTest {
  static final String BUCKET = "backups";

  // S3Proxy answers 501 to server-side encryption: the engine is told not to ask (the dev stack's
  // setting); moto, in the end-to-end run, takes it
  static TestInfra infra;
  static S3Proxy proxy;
  static S3Client s3;
  static Path s3Dir;
  static Path state;
  static DatabaseRegistry registry;
  static BackupStore store;

  final List<TestActivityEnvironment> envs = new CopyOnWriteArrayList<>();
  final List<StreamingBackup.Progress> beats = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void servers() throws Exception {
    infra = new TestInfra();
    s3Dir = Path.of("target", "s3proxy-" + UUID.randomUUID()).toAbsolutePath();
    state = Path.of("target", "state-" + UUID.randomUUID()).toAbsolutePath();
    Files.createDirectories(s3Dir);
    proxy = s3Proxy(s3Dir);
    s3 = client(proxy);
    try (Connection c = infra.dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("create database shop");
    }
    String url = "jdbc:postgresql://localhost:" + infra.postgres.getPort() + "/shop";
    registry =
        new DatabaseRegistry(
            Map.of("shop", new DatabaseRegistry.Settings(url, "postgres")),
            new StaticSecrets(Map.of("databases/shop/password", "")));
    try (Connection c = registry.target("shop").open();
        Statement s = c.createStatement()) {
      s.execute(
          "create table orders (id bigserial primary key, note text not null);"
              + " create schema \"Sales Data\";"
              + " create table \"Sales Data\".\"Line Items\" (id int primary key, qty int);"
              + " insert into \"Sales Data\".\"Line Items\" select g, g % 7 from"
              + " generate_series(1, 1234) g;"
              // ~19 MB of hex text: several 5 MiB parts after zstd
              + " insert into orders (note) select md5(random()::text) || md5(random()::text) ||"
              + " md5(random()::text) || md5(random()::text) from generate_series(1, 150000);");
    }
    store = new BackupStore(infra.db);
  }

  /** S3Proxy on a free loopback port, its filesystem under {@code dir}, bucket {@link #BUCKET}. */
  static S3Proxy s3Proxy(Path dir) throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    var blobs = BlobStores.create("filesystem", props);
    blobs.createContainer(BUCKET);
    S3Proxy started =
        S3Proxy.builder()
            .blobStore(blobs)
            .endpoint(URI.create("http://127.0.0.1:" + TestInfra.freePort()))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "key", "secret")
            .build();
    started.start();
    org.awaitility.Awaitility.await().until(() -> "STARTED".equals(started.getState()));
    return started;
  }

  /** A client of {@code proxy} built as the worker's is (WorkerConfiguration). */
  static S3Client client(S3Proxy proxy) {
    return clientBuilder(proxy).build();
  }

  static S3ClientBuilder clientBuilder(S3Proxy proxy) {
    return CheckedPartsSigning.install(sdkSigningClientBuilder(proxy));
  }

  /** The same client with the SDK's own SigV4, which signs every body over plain HTTP. */
  static S3ClientBuilder sdkSigningClientBuilder(S3Proxy proxy) {
    return S3Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
        .forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.create());
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (proxy != null) {
      proxy.stop();
    }
    if (infra != null) {
      infra.close();
    }
    deleteRecursively(s3Dir);
    deleteRecursively(state);
  }

  static void deleteRecursively(Path dir) throws java.io.IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A fresh activity environment per stub (an implementation registers once per environment). */
  TestActivityEnvironment env() {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    env.setActivityHeartbeatListener(StreamingBackup.Progress.class, beats::add);
    envs.add(env);
    return env;
  }

  @AfterEach
  void closeEnvironments() {
    envs.forEach(TestActivityEnvironment::close);
  }

  static BackupActivitiesImpl engine(S3Client client, String bucket, int partSize, Path pgDump) {
    return new BackupActivitiesImpl(
        registry,
        store,
        client,
        new StreamingBackup.Settings(bucket, partSize, 2, false),
        () -> pgDump,
        Clock.systemUTC());
  }

  static BackupActivitiesImpl engine() {
    return engine(s3, BUCKET, StreamingBackup.MIN_PART_SIZE, RequiredTools.require(Tools.PG_DUMP));
  }

  RestoreActivitiesImpl restorer(SimpleMeterRegistry metrics) {
    return new RestoreActivitiesImpl(
        registry,
        store,
        s3,
        () -> RequiredTools.require(Tools.PG_RESTORE),
        state,
        Clock.systemUTC(),
        metrics);
  }

  BackupActivities backupStub(BackupActivities impl) {
    TestActivityEnvironment env = env();
    env.registerActivitiesImplementations(impl);
    return env.newActivityStub(
        BackupActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  RestoreActivities restoreStub(RestoreActivities impl) {
    TestActivityEnvironment env = env();
    env.registerActivitiesImplementations(impl);
    return env.newActivityStub(
        RestoreActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  static DumpJob job(String id) {
    return new DumpJob(id, "shop", "zstd", "AES256", null, null);
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static List<S3Object> objects(String prefix) {
    return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents();
  }

  static int openUploads(String prefix) {
    return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads().size();
  }

  static ApplicationFailure failure(Throwable t) {
    Throwable c = t;
    while (c != null && !(c instanceof ApplicationFailure)) {
      c = c.getCause();
    }
    assertThat(c).as("an ApplicationFailure in %s", t.toString()).isNotNull();
    return (ApplicationFailure) c;
  }

  @Test
  void dumpUnderWritesUploadsOneObjectWhoseCountsMatchItsSnapshotAndRestoresEqual()
      throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong inserted = new AtomicLong();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (Connection c = registry.target("shop").open();
                      Statement s = c.createStatement()) {
                    while (writing.get()) {
                      s.execute(
                          "insert into orders (note) select md5(random()::text) from"
                              + " generate_series(1, 500)");
                      inserted.addAndGet(500);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    BackupInfo b;
    try {
      b = backupStub(engine()).dump(job("backup/shop/20261128T020000Z"));
    } finally {
      writing.set(false);
      writer.join();
    }
    assertThat(inserted.get()).isPositive();
    assertThat(b.status()).isEqualTo("COMPLETED");
    assertThat(b.objectKey()).isEqualTo("backups/shop/backup_shop_20261128T020000Z.dump");
    assertThat(b.bucket()).isEqualTo(BUCKET);
    assertThat(b.format()).isEqualTo("custom+zstd");
    assertThat(b.serverVersion()).startsWith("18.");
    assertThat(b.pgDumpVersion()).startsWith("18.");
    assertThat(b.finishedAtMillis()).isGreaterThanOrEqualTo(b.startedAtMillis());
    assertThat(b.rowCounts()).containsEntry("Sales Data.Line Items", 1234L);
    assertThat(b.rowCounts().get("public.orders")).isGreaterThanOrEqualTo(150_000L);
    byte[] object = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(b.objectKey())).asByteArray();
    assertThat(object.length).isEqualTo(b.sizeBytes()).isGreaterThan(StreamingBackup.MIN_PART_SIZE);
    assertThat(sha256(object)).isEqualTo(b.sha256());
    assertThat(new String(object, 0, 5)).isEqualTo("PGDMP");
    assertThat(objects("backups/shop/backup_shop_20261128T020000Z")).hasSize(1);
    assertThat(openUploads(b.objectKey())).isZero();
    // each part carried the CRC32C computed as its bytes passed, which the server checked: the
    // object's checksum is the composite of its parts' (SHA-256 is computed once, for the whole)
    var head =
        s3.headObject(r -> r.bucket(BUCKET).key(b.objectKey()).checksumMode(ChecksumMode.ENABLED));
    assertThat(head.checksumCRC32C()).matches("[A-Za-z0-9+/]{6}==-[0-9]+");
    assertThat(head.checksumSHA256()).isNull();
    // heartbeats report the bytes so far; Temporal throttles them (the first goes at once, later
    // ones at its interval, and one still pending when the activity completes is dropped), so the
    // last one seen need not be the final count: on a slow machine it rarely is
    assertThat(beats).isNotEmpty();
    assertThat(beats)
        .extracting(StreamingBackup.Progress::bytes)
        .isSorted()
        .allSatisfy(n -> assertThat(n).isPositive().isLessThanOrEqualTo(b.sizeBytes()));

    // idempotent: the same id returns the completed backup, no second object
    BackupInfo again = backupStub(engine()).dump(job("backup/shop/20261128T020000Z"));
    assertThat(again).isEqualTo(b);
    assertThat(objects("backups/shop/backup_shop_20261128T020000Z")).hasSize(1);

    // restored into a new database: the counts are the ones recorded in the dump's snapshot
    RestoreResult r =
        restoreStub(restorer(new SimpleMeterRegistry()))
            .restore("shop", new RestoreJob(b.backupId(), "shop_copy", false));
    assertThat(r.rowCounts()).isEqualTo(b.rowCounts());
    assertThat(r.sha256()).isEqualTo(b.sha256());
    assertThat(r.bytes()).isEqualTo(b.sizeBytes());
    assertThat(Files.list(state.resolve("tmp/restore"))).isEmpty();

    // an existing target without replace is refused; with replace it is restored afresh
    RestoreActivities restore = restoreStub(restorer(new SimpleMeterRegistry()));
    assertThat(restore.exists("shop", "shop_copy")).isTrue();
    assertThatThrownBy(
            () -> restore.restore("shop", new RestoreJob(b.backupId(), "shop_copy", false)))
        .satisfies(
            e -> {
              assertThat(failure(e).getType()).isEqualTo("REFUSED");
              assertThat(failure(e).getOriginalMessage()).contains("'shop_copy' exists");
            });
    RestoreResult replaced =
        restore.restore("shop", new RestoreJob(b.backupId(), "shop_copy", true));
    assertThat(replaced.rowCounts()).isEqualTo(b.rowCounts());
    restore.drop("shop", "shop_copy");
    restore.drop("shop", "shop_copy");
    assertThat(restore.exists("shop", "shop_copy")).isFalse();
  }

  /** An S3 client whose {@code n}th UploadPart fails, as a network failure would. */
  static S3Client failingPart(int n) {
    AtomicInteger parts = new AtomicInteger();
    return (S3Client)
        Proxy.newProxyInstance(
            S3Client.class.getClassLoader(),
            new Class<?>[] {S3Client.class},
            (p, method, args) -> {
              if (method.getName().equals("uploadPart") && parts.incrementAndGet() == n) {
                throw SdkClientException.create("connection reset (injected)");
              }
              try {
                return method.invoke(s3, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aFailedUploadAndACrashedAttemptLeaveOneObjectAndNoOpenUpload() throws Exception {
    String id = "backup/shop/crash";
    String key = StreamingBackup.objectKey("shop", id);
    Path pgDump = RequiredTools.require(Tools.PG_DUMP);
    assertThatThrownBy(
            () ->
                backupStub(engine(failingPart(2), BUCKET, StreamingBackup.MIN_PART_SIZE, pgDump))
                    .dump(job(id)))
        .satisfies(e -> assertThat(failure(e).getOriginalMessage()).contains("injected"));
    assertThat(openUploads(key)).isZero();
    assertThat(objects(key)).isEmpty();
    assertThat(store.find(id).orElseThrow().status()).isEqualTo("FAILED");

    // a worker that died mid-upload leaves an open upload: the retry aborts it first
    String stale = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
    s3.uploadPart(
        b -> b.bucket(BUCKET).key(key).uploadId(stale).partNumber(1),
        RequestBody.fromBytes(new byte[1024]));
    assertThat(openUploads(key)).isEqualTo(1);

    BackupInfo b = backupStub(engine()).dump(job(id));
    assertThat(b.status()).isEqualTo("COMPLETED");
    assertThat(openUploads(key)).isZero();
    assertThat(objects(key)).hasSize(1);
    byte[] object = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asByteArray();
    assertThat(sha256(object)).isEqualTo(b.sha256());

    // discard (the saga's compensation) removes object and marks the row, twice is fine
    BackupActivitiesImpl engine = engine();
    engine.discard(id, "test");
    engine.discard(id, "test");
    assertThat(objects(key)).isEmpty();
    assertThat(store.find(id).orElseThrow().status()).isEqualTo("FAILED");
  }

  @Test
  void aFlippedByteIsRefusedAndNothingIsRestored() throws Exception {
    BackupInfo b =
        backupStub(
                engine(
                    s3,
                    BUCKET,
                    StreamingBackup.MIN_PART_SIZE,
                    RequiredTools.require(Tools.PG_DUMP)))
            .dump(new DumpJob("backup/shop/flipped", "shop", "gzip", "AES256", null, null));
    assertThat(b.format()).isEqualTo("custom+gzip");
    byte[] object = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(b.objectKey())).asByteArray();
    object[object.length / 2] ^= 1;
    s3.putObject(r -> r.bucket(BUCKET).key(b.objectKey()), RequestBody.fromBytes(object));
    RestoreActivities restore = restoreStub(restorer(new SimpleMeterRegistry()));
    assertThatThrownBy(
            () -> restore.restore("shop", new RestoreJob(b.backupId(), "shop_bad", false)))
        .satisfies(
            e -> {
              assertThat(failure(e).getType()).isEqualTo("CORRUPTED");
              assertThat(failure(e).getOriginalMessage())
                  .startsWith(
                      "backup backup/shop/flipped: checksum mismatch (expected " + b.sha256())
                  .endsWith("): refused, nothing restored");
            });
    assertThat(restore.exists("shop", "shop_bad")).isFalse();
    assertThat(Files.list(state.resolve("tmp/restore"))).isEmpty();
  }

  @Test
  void partsGoUnsignedOverPlainHttpAndAPartNotMatchingItsCrc32cIsRefused() {
    List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
    ExecutionInterceptor recorder =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            sent.add(context.httpRequest());
          }
        };
    String key = "unsigned/" + UUID.randomUUID();
    byte[] part = new byte[StreamingBackup.MIN_PART_SIZE];
    new java.util.Random(19).nextBytes(part);
    CRC32C crc = new CRC32C();
    crc.update(part);
    String checksum =
        Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    byte[] corrupted = part.clone();
    corrupted[part.length / 2] ^= 1;
    try (S3Client c =
        clientBuilder(proxy)
            .overrideConfiguration(o -> o.addExecutionInterceptor(recorder))
            .build()) {
      String uploadId =
          c.createMultipartUpload(
                  b -> b.bucket(BUCKET).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32_C))
              .uploadId();
      // part 1 with the CRC32C of the intact bytes, whatever bytes it sends
      java.util.function.Function<byte[], String> partOne =
          bytes ->
              c.uploadPart(
                      b ->
                          b.bucket(BUCKET)
                              .key(key)
                              .uploadId(uploadId)
                              .partNumber(1)
                              .checksumCRC32C(checksum),
                      RequestBody.fromBytes(bytes))
                  .eTag();
      // a part whose bytes changed after its CRC32C was taken is refused by the server
      assertThatThrownBy(() -> partOne.apply(corrupted))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(400));
      // the same part intact is taken, and the object is its bytes
      String eTag = partOne.apply(part);
      c.completeMultipartUpload(
          b ->
              b.bucket(BUCKET)
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(
                      m -> m.parts(p -> p.partNumber(1).eTag(eTag).checksumCRC32C(checksum))));
      assertThat(c.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asByteArray()).isEqualTo(part);
    }
    // both parts went as they are, unsigned, with their CRC32C; the SDK alone would have sent them
    // aws-chunked with a SHA-256 signature per 128 KiB chunk (plain HTTP)
    List<SdkHttpRequest> parts =
        sent.stream().filter(r -> r.rawQueryParameters().containsKey("partNumber")).toList();
    assertThat(parts)
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.protocol()).isEqualTo("http");
              assertThat(r.firstMatchingHeader("x-amz-content-sha256"))
                  .contains("UNSIGNED-PAYLOAD");
              assertThat(r.firstMatchingHeader("x-amz-checksum-crc32c")).contains(checksum);
              assertThat(r.firstMatchingHeader("Content-Encoding")).isEmpty();
              assertThat(r.firstMatchingHeader("Content-Length"))
                  .contains(String.valueOf(part.length));
            });
    // requests without a checksum of their own keep the SDK's signing of their body
    assertThat(sent)
        .filteredOn(r -> r.rawQueryParameters().containsKey("uploads"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.firstMatchingHeader("x-amz-content-sha256").orElseThrow())
                    .matches("[0-9a-f]{64}"));
  }

  @Test
  void badInputIsOneClearError() throws Exception {
    BackupActivitiesImpl engine = engine();
    assertThatThrownBy(() -> engine.preflight("nope"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.getOriginalMessage())
                  .isEqualTo("unknown database 'nope' (registered: shop)");
            });
    assertThat(engine.preflight("shop").pgDumpVersion()).startsWith("18.");
    BackupActivitiesImpl missing =
        engine(
            s3,
            "no-such-bucket",
            StreamingBackup.MIN_PART_SIZE,
            RequiredTools.require(Tools.PG_DUMP));
    assertThatThrownBy(() -> missing.preflight("shop"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.getOriginalMessage())
                  .isEqualTo("bucket 'no-such-bucket' does not exist");
            });
    RestoreActivities restore = restorer(new SimpleMeterRegistry());
    assertThatThrownBy(() -> restore.resolve("shop", "backup/shop/never"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("NOT_FOUND"));
  }

  @Test
  void anOlderPgDumpIsRefusedWithBothVersions() {
    String dir = System.getenv("ROLLGATE_PG15_BIN");
    Path debian =
        RequiredTools.require(
            Path.of(dir == null || dir.isBlank() ? "/usr/lib/postgresql/15/bin" : dir, "pg_dump"),
            "PostgreSQL 15 client tools (Debian postgresql-client-15): run bin/bootstrap, which"
                + " installs them, or set ROLLGATE_PG15_BIN");
    BackupActivitiesImpl old = engine(s3, BUCKET, StreamingBackup.MIN_PART_SIZE, debian);
    assertThatThrownBy(() -> old.preflight("shop"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.getOriginalMessage())
                  .matches(
                      "pg_dump 15\\.\\d+ is older than the server \\(18\\.\\d+\\): install the"
                          + " PostgreSQL 18 client tools \\(bin/bootstrap\\)");
            });
    assertThatThrownBy(() -> backupStub(old).dump(job("backup/shop/old")))
        .satisfies(e -> assertThat(failure(e).getType()).isEqualTo("INVALID_INPUT"));
    assertThat(store.find("backup/shop/old")).isEmpty();
  }

  /**
   * A stand-in for a PostgreSQL client tool that hangs: it starts a child of its own (which holds
   * its output open, as a shell wrapper's children do), writes the child's pid to {@code pidFile}
   * and sleeps. With {@code answersVersion} it first answers {@code --version} as 18.6.
   */
  static Path hangingTool(String name, Path pidFile, boolean answersVersion) throws Exception {
    Path dir = state.resolve("hanging-" + UUID.randomUUID());
    Files.createDirectories(dir);
    Path script = dir.resolve(name);
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + (answersVersion
                ? "if [ \"$1\" = --version ]; then echo '"
                    + name
                    + " (PostgreSQL) 18.6'; exit 0; fi\n"
                : "")
            + "sleep 600 &\n"
            + "echo $! > '"
            + pidFile
            + "'\n"
            + "sleep 600\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  /** The hanging tool's child (its pid in {@code pidFile}) is gone. */
  static void assertKilled(Path pidFile) throws Exception {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
  }

  static ActivityOptions timeout(Duration startToClose) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToClose)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
  }

  @Test
  void aHangingPgDumpIsKilledWithItsChildrenAtItsTimeoutAndReported() throws Exception {
    Path pid = state.resolve("pg_dump-" + UUID.randomUUID() + ".pid");
    Path tool = hangingTool("pg_dump", pid, true);
    String id = "backup/shop/hanging";
    String key = StreamingBackup.objectKey("shop", id);
    TestActivityEnvironment env = env();
    env.registerActivitiesImplementations(engine(s3, BUCKET, StreamingBackup.MIN_PART_SIZE, tool));
    BackupActivities stub =
        env.newActivityStub(BackupActivities.class, timeout(Duration.ofSeconds(3)));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> stub.dump(job(id)))
        .satisfies(
            e ->
                assertThat(failure(e).getOriginalMessage())
                    .isEqualTo(
                        "pg_dump of shop did not finish within 3s: killed it and its child"
                            + " processes"));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    assertKilled(pid);
    assertThat(openUploads(key)).isZero();
    assertThat(objects(key)).isEmpty();
    assertThat(store.find(id).orElseThrow().status()).isEqualTo("FAILED");
  }

  @Test
  void aHangingVersionCheckIsKilledAndRefused() throws Exception {
    Path pid = state.resolve("version-" + UUID.randomUUID() + ".pid");
    Path tool = hangingTool("pg_dump", pid, false);
    assertThatThrownBy(() -> PgTools.toolVersion(tool, Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.getOriginalMessage())
                  .isEqualTo(
                      tool
                          + " --version did not finish within 1s: killed it and its child"
                          + " processes");
            });
    assertKilled(pid);
  }

  @Test
  void aHangingPgRestoreIsKilledWithItsChildrenAtItsTimeoutAndReported() throws Exception {
    String id = "backup/shop/hang-restore";
    stored(id, "not a dump, pg_restore hangs anyway", System.currentTimeMillis(), Map.of());
    Path pid = state.resolve("pg_restore-" + UUID.randomUUID() + ".pid");
    Path tool = hangingTool("pg_restore", pid, true);
    RestoreActivitiesImpl impl =
        new RestoreActivitiesImpl(
            registry, store, s3, () -> tool, state, Clock.systemUTC(), new SimpleMeterRegistry());
    TestActivityEnvironment env = env();
    env.registerActivitiesImplementations(impl);
    RestoreActivities stub =
        env.newActivityStub(RestoreActivities.class, timeout(Duration.ofSeconds(3)));
    try {
      assertThatThrownBy(() -> stub.restore("shop", new RestoreJob(id, "shop_hang", false)))
          .satisfies(
              e ->
                  assertThat(failure(e).getOriginalMessage())
                      .isEqualTo(
                          "pg_restore of "
                              + id
                              + " did not finish within 3s: killed it and its child processes"));
      assertKilled(pid);
      assertThat(Files.list(state.resolve("tmp/restore"))).isEmpty();
    } finally {
      impl.drop("shop", "shop_hang");
    }
  }

  private static final long DAY = Duration.ofDays(1).toMillis();

  /** A completed backup row of {@code shop} whose object holds {@code content}. */
  static BackupInfo stored(String id, String content, long startedAt, Map<String, Long> rows) {
    byte[] object = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String key = StreamingBackup.objectKey("shop", id);
    s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(object));
    store.running(
        new BackupInfo(
            id,
            "shop",
            "RUNNING",
            BUCKET,
            key,
            0,
            null,
            "18.6",
            "18.6",
            "custom+zstd",
            startedAt,
            0,
            Map.of(),
            null,
            null));
    String sha = HexFormat.of().formatHex(StreamingBackup.sha256().digest(object));
    store.completed(id, object.length, sha, startedAt + 1000, rows);
    return store.find(id).orElseThrow();
  }

  /** A completed backup row (and a tiny object) of database {@code retained} from the past. */
  static BackupInfo past(String id, long startedAt, Long verifiedAt) {
    stored(id, id, startedAt, Map.of("public.orders", 1L));
    if (verifiedAt != null) {
      store.drill(new DrillRecord("drill/" + id, id, "shop", true, 1, List.of(), verifiedAt));
    }
    return store.find(id).orElseThrow();
  }

  @Test
  void retentionKeepsByTimeTheMinimumAndTheNewestVerified() {
    infra.db.execute("delete from rollgate_backup where backup_id like 'backup/shop/r%'");
    long now = System.currentTimeMillis();
    // object names sort the other way round from backup times: order must follow the times
    past("backup/shop/r5", now - 9 * DAY, now - 8 * DAY);
    past("backup/shop/r4", now - 8 * DAY, null);
    past("backup/shop/r3", now - 3 * DAY, null);
    past("backup/shop/r2", now - 2 * DAY, null);
    past("backup/shop/r1", now - DAY, null);
    BackupActivitiesImpl engine = engine();
    // other completed backups of shop (from the other tests) are newer or unverified; only r* here
    RetentionPlan plan = engine.planRetention("shop", new RetentionPolicy(null, 5, 1));
    assertThat(ids(plan.delete())).containsExactly("backup/shop/r4");
    assertThat(plan.keep())
        .filteredOn(e -> e.backup().backupId().equals("backup/shop/r5"))
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("newest verified"));
    assertThat(plan.delete().getFirst().reason()).isEqualTo("older than 5 days");

    RetentionPlan applied = engine.applyRetention(plan);
    assertThat(ids(applied.delete())).containsExactly("backup/shop/r4");
    assertThat(store.find("backup/shop/r4").orElseThrow().status()).isEqualTo("DELETED");
    assertThat(objects(StreamingBackup.objectKey("shop", "backup/shop/r4"))).isEmpty();
    engine.applyRetention(plan); // idempotent
    assertThat(objects(StreamingBackup.objectKey("shop", "backup/shop/r5"))).hasSize(1);

    // an impossible policy is refused in one line, nothing deleted
    assertThatThrownBy(() -> engine.planRetention("shop", new RetentionPolicy(0, null, 1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("REFUSED");
              assertThat(f.getOriginalMessage()).doesNotContain("\n");
            });
    assertThatThrownBy(() -> engine.planRetention("shop", new RetentionPolicy(1, null, 0)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("REFUSED"));
  }

  @Test
  void retentionPlanIsPureOverBackupTimes() {
    long now = 100 * DAY;
    List<BackupInfo> backups =
        List.of(
            info("a", now - DAY, null),
            info("b", now - 2 * DAY, null),
            info("c", now - 3 * DAY, now - DAY),
            info("d", now - 4 * DAY, null),
            info("e", now - 5 * DAY, null));
    RetentionPlan keepTwo = Retention.plan("shop", backups, new RetentionPolicy(2, null, 1), now);
    assertThat(ids(keepTwo.keep())).containsExactly("a", "b", "c");
    assertThat(ids(keepTwo.delete())).containsExactly("d", "e");
    RetentionPlan minimum = Retention.plan("shop", backups, new RetentionPolicy(1, null, 4), now);
    assertThat(ids(minimum.keep())).containsExactly("a", "b", "c", "d");
    assertThat(minimum.keep().get(3).reason()).isEqualTo("minimum 4");
  }

  static BackupInfo info(String id, long at, Long verified) {
    return new BackupInfo(
        id,
        "shop",
        "COMPLETED",
        BUCKET,
        id,
        1,
        "00",
        "18.6",
        "18.6",
        "custom+zstd",
        at,
        at,
        Map.of(),
        verified,
        null);
  }

  static List<String> ids(List<RetentionPlan.Entry> entries) {
    return entries.stream()
        .map(e -> e.backup().backupId())
        .filter(
            id ->
                !id.startsWith("backup/shop/2")
                    && !id.equals("backup/shop/crash")
                    && !id.equals("backup/shop/flipped"))
        .toList();
  }

  @Test
  void aDrillIsRecordedAndTheGaugeSurvivesARestart() {
    past("backup/shop/drilled", System.currentTimeMillis() - DAY, null);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RestoreActivitiesImpl restore = restorer(metrics);
    long at = 1_900_000_000_000L;
    restore.recordDrill(
        new DrillRecord("drill/shop/1", "backup/shop/drilled", "shop", true, 1234, List.of(), at));
    restore.recordDrill(
        new DrillRecord("drill/shop/1", "backup/shop/drilled", "shop", true, 1234, List.of(), at));
    assertThat(store.find("backup/shop/drilled").orElseThrow().verifiedAtMillis()).isEqualTo(at);
    assertThat(store.drills("shop"))
        .filteredOn(d -> d.drillId().equals("drill/shop/1"))
        .singleElement()
        .satisfies(d -> assertThat(d.restoreMillis()).isEqualTo(1234));
    assertThat(metrics.get(RestoreActivitiesImpl.GAUGE).tag("database", "shop").gauge().value())
        .isEqualTo(at / 1000.0);
    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    restorer(afterRestart);
    assertThat(
            afterRestart.get(RestoreActivitiesImpl.GAUGE).tag("database", "shop").gauge().value())
        .isEqualTo(at / 1000.0);
  }
}
