package dev.rollgate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.TestInfra;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A profile of one streaming backup, not a test (its name does not end in {@code Test}: CI never
 * runs it). The same shape as {@code benchmarks/backup/streaming-vs-naive.sh} without Temporal, the
 * CLI or fixed ports: embedded PostgreSQL 18 holding pgbench scale {@code SCALE} plus {@code
 * NOISE_MB} MB of random bytes, S3Proxy (filesystem) in this JVM as the worker's dev stack runs it,
 * the worker's S3 client and part settings. Per round: {@code pg_dump} alone to /dev/null, the
 * exact row counts alone (the cost of the drill's counts), then {@link StreamingBackup#run}, with
 * the CPU seconds of this JVM (the pipeline and S3Proxy), of {@code pg_dump} and of the PostgreSQL
 * backends. The last round is recorded with JFR ({@code activities/target/streaming-backup.jfr})
 * and its CPU samples are classified by what they do.
 *
 * <pre>
 * . .tools/env
 * SCALE=20 NOISE_MB=1024 ROUNDS=2 ./mvnw -B -ntp -o -pl activities test \
 *   -Dtest=StreamingBackupProfile -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class StreamingBackupProfile {
  static final String BUCKET = "backups";
  static final long TICKS = 100; // USER_HZ

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void profile() throws Exception {
    int scale = Integer.parseInt(env("SCALE", "20"));
    int noiseMb = Integer.parseInt(env("NOISE_MB", "1024"));
    int rounds = Integer.parseInt(env("ROUNDS", "2"));
    Path pgDump = RequiredTools.require(Tools.PG_DUMP);
    Path pgbench = RequiredTools.require(Tools.PGBENCH);
    Path s3Dir = Path.of("target", "s3proxy-profile-" + UUID.randomUUID()).toAbsolutePath();
    Files.createDirectories(s3Dir);
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", s3Dir.toString());
    var blobs = BlobStores.create("filesystem", props);
    blobs.createContainer(BUCKET);
    int port = TestInfra.freePort();
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(blobs)
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "key", "secret")
            .build();
    proxy.start();
    org.awaitility.Awaitility.await().until(() -> "STARTED".equals(proxy.getState()));
    // as WorkerConfiguration builds it
    S3Client s3 =
        S3Client.builder()
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
            .forcePathStyle(true)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    // kept between runs (target/profile-pg, loaded once: loading takes minutes)
    Path pgData = Path.of("target", "profile-pg").toAbsolutePath();
    boolean loaded = Files.exists(pgData.resolve("PG_VERSION"));
    try (EmbeddedPostgres pg =
            EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .start();
        s3) {
      int pgPort = pg.getPort();
      if (!loaded) {
        try (Connection c = pg.getPostgresDatabase().getConnection();
            Statement s = c.createStatement()) {
          s.execute("create database bench");
        }
      }
      String url = "jdbc:postgresql://127.0.0.1:" + pgPort + "/bench";
      DatabaseRegistry registry =
          new DatabaseRegistry(
              Map.of("bench", new DatabaseRegistry.Settings(url, "postgres")),
              new StaticSecrets(Map.of("databases/bench/password", "")));
      DatabaseRegistry.Target target = registry.target("bench");
      long t = System.nanoTime();
      if (!loaded) {
        Process load =
            new ProcessBuilder(
                    pgbench.toString(),
                    "-i",
                    "-s",
                    String.valueOf(scale),
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    String.valueOf(pgPort),
                    "-U",
                    "postgres",
                    "bench")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(load.waitFor()).isZero();
        if (noiseMb > 0) {
          try (Connection c = target.open();
              Statement s = c.createStatement()) {
            s.execute("create table noise (id int primary key, data bytea)");
            s.execute("alter table noise alter column data set storage external");
            s.execute(
                "insert into noise select g, (select decode(string_agg(md5(random()::text || g ||"
                    + " k), ''), 'hex') from generate_series(1, 64) k) from generate_series(1, "
                    + noiseMb * 1024
                    + ") g");
            s.execute("vacuum analyze");
          }
        }
      }
      System.out.printf(
          "loaded pgbench scale %d + %d MB noise in %.0f s%n",
          scale, noiseMb, (System.nanoTime() - t) / 1e9);

      StreamingBackup engine =
          new StreamingBackup(
              s3,
              new StreamingBackup.Settings(
                  BUCKET,
                  StreamingBackup.DEFAULT_PART_SIZE,
                  StreamingBackup.DEFAULT_PARTS_IN_FLIGHT,
                  false));
      Path jfr = Path.of("target", "streaming-backup.jfr").toAbsolutePath();
      List<String> lines = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) {
        Cpu c0 = Cpu.now(pgPort);
        t = System.nanoTime();
        Process alone =
            PgTools.start(
                List.of(
                    pgDump.toString(),
                    "--format=custom",
                    "--compress=zstd",
                    "--no-password",
                    "--dbname=" + target.libpqUri()),
                target);
        alone.getOutputStream().close();
        alone.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(alone.waitFor()).isZero();
        double dumpAlone = (System.nanoTime() - t) / 1e9;
        Cpu c1 = Cpu.now(pgPort);

        t = System.nanoTime();
        try (Connection c = target.open()) {
          c.setAutoCommit(false);
          c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
          PgTools.countRows(c);
          c.rollback();
        }
        double countsAlone = (System.nanoTime() - t) / 1e9;
        Cpu c2 = Cpu.now(pgPort);

        Recording recording = null;
        if (round == rounds) {
          recording = new Recording(Configuration.getConfiguration("profile"));
          recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
          recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(20));
          recording.start();
        }
        String key = "backups/bench/round-" + round + ".dump";
        System.gc();
        long heapBefore = usedHeap();
        t = System.nanoTime();
        StreamingBackup.Result r =
            engine.run(pgDump, target, key, "zstd", "AES256", null, Duration.ofHours(1), p -> {});
        double streaming = (System.nanoTime() - t) / 1e9;
        Cpu c3 = Cpu.now(pgPort);
        if (recording != null) {
          recording.stop();
          recording.dump(jfr);
          recording.close();
        }
        String line =
            String.format(
                "round %d: pg_dump alone %.1f s [pg_dump %.1f, postgres %.1f, jvm %.1f cpu-s];"
                    + " counts alone %.1f s [postgres %.1f cpu-s]; streaming %.1f s [pg_dump %.1f,"
                    + " postgres %.1f, jvm %.1f cpu-s], %d MB in %d parts, heap used +%d MB"
                    + " after; ratio %.2f",
                round,
                dumpAlone,
                c1.children - c0.children,
                c1.postgres - c0.postgres,
                c1.self - c0.self,
                countsAlone,
                c2.postgres - c1.postgres,
                streaming,
                c3.children - c2.children,
                c3.postgres - c2.postgres,
                c3.self - c2.self,
                r.bytes() / 1_000_000,
                r.parts(),
                (usedHeap() - heapBefore) / 1_000_000,
                streaming / dumpAlone);
        System.out.println(line);
        lines.add(line);
        s3.deleteObject(b -> b.bucket(BUCKET).key(key));
      }
      System.out.println("\nJFR CPU samples of the last streaming round (" + jfr + "):");
      classify(jfr).forEach((k, v) -> System.out.printf("  %6d  %s%n", v, k));
      lines.forEach(System.out::println);
    } finally {
      proxy.stop();
      BackupEngineTest.deleteRecursively(s3Dir);
    }
  }

  static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  /** CPU seconds so far: this JVM, its reaped children (pg_dump), the PostgreSQL server. */
  record Cpu(double self, double children, double postgres) {
    static Cpu now(int pgPort) throws Exception {
      long[] me = stat(ProcessHandle.current().pid());
      long postgres = 0;
      for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
        var info = p.info();
        if (info.command().orElse("").endsWith("/postgres")
            && List.of(info.arguments().orElse(new String[0])).contains(String.valueOf(pgPort))) {
          long[] pm = stat(p.pid()); // the postmaster: its reaped backends are in cutime
          postgres = pm[0] + pm[1] + pm[2] + pm[3];
          for (ProcessHandle child : p.children().toList()) {
            long[] b = stat(child.pid());
            postgres += b[0] + b[1];
          }
        }
      }
      return new Cpu(
          (me[0] + me[1]) / (double) TICKS,
          (me[2] + me[3]) / (double) TICKS,
          postgres / (double) TICKS);
    }

    static long[] stat(long pid) {
      try {
        String s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // fields 14-17 (utime, stime, cutime, cstime) are 11-14 after the command
        return new long[] {
          Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
        };
      } catch (Exception gone) {
        return new long[4];
      }
    }
  }

  /**
   * CPU samples by what the code does: the innermost frame that tells (a digest and who asked for
   * it, the S3 client, S3Proxy, the pipe, JDBC), else the sampled thread's top frame's package.
   */
  static Map<String, Long> classify(Path jfr) throws Exception {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      String type = e.getEventType().getName();
      if (!type.equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      counts.merge(category(e.getStackTrace().getFrames()), 1L, Long::sum);
    }
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(x -> sorted.put(x.getKey(), x.getValue()));
    return sorted;
  }

  static String category(List<RecordedFrame> frames) {
    boolean digest = false;
    boolean md5 = false;
    boolean crc = false;
    boolean copy = false;
    for (RecordedFrame f : frames) {
      String cls = f.getMethod().getType().getName();
      String m = f.getMethod().getName();
      if (cls.startsWith("sun.security.provider.SHA2")
          || cls.startsWith("sun.security.provider.DigestBase")) {
        digest = true;
      }
      if (cls.startsWith("sun.security.provider.MD5") || cls.contains("Hashing")) {
        md5 = true;
      }
      if (cls.contains("CRC32") || cls.contains("Crc32")) {
        crc = true;
      }
      if (m.equals("arraycopy") || m.equals("copyOf") || m.equals("copyOfRange")) {
        copy = true;
      }
      if (cls.equals(StreamingBackup.class.getName())) {
        String where = "StreamingBackup." + m;
        if (digest) {
          return "SHA-256 in " + where;
        }
        return where
            + (copy ? " (copy)" : "")
            + " ["
            + frames.getFirst().getMethod().getName()
            + "]";
      }
      if (cls.startsWith("software.amazon.awssdk")) {
        if (digest) {
          return "SHA-256 in the S3 client (" + simple(cls) + ")";
        }
        if (crc) {
          return "CRC in the S3 client (" + simple(cls) + ")";
        }
        if (md5) {
          return "MD5 in the S3 client (" + simple(cls) + ")";
        }
        if (cls.contains(".http.") || cls.contains("urlconnection")) {
          return "S3 client: HTTP write/read";
        }
        return "S3 client: other (" + simple(cls) + ")";
      }
      if (cls.startsWith("org.gaul") || cls.startsWith("org.jclouds")) {
        if (digest) {
          return "SHA-256 in S3Proxy (" + simple(cls) + ")";
        }
        if (md5) {
          return "MD5 in S3Proxy/jclouds (" + simple(cls) + ")";
        }
        return "S3Proxy/jclouds: " + simple(cls);
      }
      if (cls.startsWith("org.postgresql") || cls.startsWith("org.jooq")) {
        return "JDBC (counts)";
      }
    }
    String top = frames.isEmpty() ? "?" : frames.getFirst().getMethod().getType().getName();
    if (top.startsWith("org.eclipse.jetty")) {
      return "Jetty (S3Proxy's server)";
    }
    int dot = top.lastIndexOf('.');
    return "other: " + (dot < 0 ? top : top.substring(0, dot));
  }

  static String simple(String cls) {
    return cls.substring(cls.lastIndexOf('.') + 1);
  }
}
