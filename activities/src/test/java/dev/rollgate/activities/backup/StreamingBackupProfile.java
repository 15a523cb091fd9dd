package dev.rollgate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.activities.RequiredTools;
import dev.rollgate.activities.Tools;
import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.activities.secrets.StaticSecrets;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
 * VARIANTS=sdk:16:2,checked:16:2,checked:8:2 ...   # streaming runs per round, compared
 * </pre>
 *
 * <p>{@code VARIANTS} lists the streaming runs of each round as signing:part MiB:parts in flight
 * ({@code checked}: the worker's {@link CheckedPartsSigning}; {@code sdk}: the SDK's own SigV4);
 * the default is the worker's settings. JFR records the last variant of the last round.
 */
class StreamingBackupProfile {
  static final String BUCKET = "backups";
  static final long TICKS = 100; // USER_HZ

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void profile() throws Exception {
    String existing = System.getenv("PROFILE_JFR");
    if (existing != null && !existing.isBlank()) { // classify a recording made before
      print(Path.of(existing));
      return;
    }
    int scale = Integer.parseInt(env("SCALE", "20"));
    int noiseMb = Integer.parseInt(env("NOISE_MB", "1024"));
    int rounds = Integer.parseInt(env("ROUNDS", "2"));
    Path pgDump = RequiredTools.require(Tools.PG_DUMP);
    Path pgbench = RequiredTools.require(Tools.PGBENCH);
    Path s3Dir = Path.of("target", "s3proxy-profile-" + UUID.randomUUID()).toAbsolutePath();
    Files.createDirectories(s3Dir);
    S3Proxy proxy = BackupEngineTest.s3Proxy(s3Dir);
    S3Client s3 = BackupEngineTest.client(proxy);
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

      // VARIANTS: the streaming runs of each round, signing:partMiB:inFlight, comma-separated;
      // signing "checked" is the worker's (CheckedPartsSigning), "sdk" the SDK's own SigV4, which
      // signs every 128 KiB chunk of a part over plain HTTP
      List<String> variants =
          List.of(
              env(
                      "VARIANTS",
                      "checked:"
                          + StreamingBackup.DEFAULT_PART_SIZE / (1024 * 1024)
                          + ":"
                          + StreamingBackup.DEFAULT_PARTS_IN_FLIGHT)
                  .split(","));
      S3Client sdkSigned = BackupEngineTest.sdkSigningClientBuilder(proxy).build();
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

        for (int v = 0; v < variants.size(); v++) {
          String[] variant = variants.get(v).trim().split(":");
          StreamingBackup engine =
              new StreamingBackup(
                  variant[0].equals("sdk") ? sdkSigned : s3,
                  new StreamingBackup.Settings(
                      BUCKET,
                      Integer.parseInt(variant[1]) * 1024 * 1024,
                      Integer.parseInt(variant[2]),
                      false));
          Cpu c2v = Cpu.now(pgPort);
          Recording recording = null;
          if (round == rounds && v == variants.size() - 1) {
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
                      + " counts alone %.1f s [postgres %.1f cpu-s]; streaming (%s) %.1f s [pg_dump"
                      + " %.1f, postgres %.1f, jvm %.1f cpu-s of which %.1f system], %d MB in %d"
                      + " parts, heap used +%d MB after; ratio %.2f; load %s",
                  round,
                  dumpAlone,
                  c1.children - c0.children,
                  c1.postgres - c0.postgres,
                  c1.self - c0.self,
                  countsAlone,
                  c2.postgres - c1.postgres,
                  variants.get(v).trim(),
                  streaming,
                  c3.children - c2v.children,
                  c3.postgres - c2v.postgres,
                  c3.self - c2v.self,
                  c3.selfSystem - c2v.selfSystem,
                  r.bytes() / 1_000_000,
                  r.parts(),
                  (usedHeap() - heapBefore) / 1_000_000,
                  streaming / dumpAlone,
                  Files.readString(Path.of("/proc/loadavg")).substring(0, 14));
          System.out.println(line);
          lines.add(line);
          s3.deleteObject(b -> b.bucket(BUCKET).key(key));
        }
      }
      sdkSigned.close();
      print(jfr);
      lines.forEach(System.out::println);
    } finally {
      proxy.stop();
      BackupEngineTest.deleteRecursively(s3Dir);
    }
  }

  static void print(Path jfr) throws Exception {
    Map<String, Long> samples = classify(jfr);
    long total = samples.values().stream().mapToLong(Long::longValue).sum();
    System.out.println("\nJFR CPU samples of the streaming round (" + jfr + "):");
    samples.forEach((k, v) -> System.out.printf("  %5d  %4.1f %%  %s%n", v, 100.0 * v / total, k));
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
  record Cpu(double self, double children, double postgres, double selfSystem) {
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
          postgres / (double) TICKS,
          me[1] / (double) TICKS);
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

  /** Who does the sampled work: the innermost frame that tells, else the top frame's package. */
  static String category(List<RecordedFrame> frames) {
    boolean server =
        frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("org.gaul"));
    boolean digest = false;
    boolean crc = false;
    for (RecordedFrame f : frames) {
      String cls = f.getMethod().getType().getName();
      String m = f.getMethod().getName();
      digest |= cls.contains("MessageDigest") || cls.startsWith("sun.security.provider");
      crc |= cls.contains("CRC32");
      if (cls.endsWith("ChunkedInputStream") && cls.startsWith("org.gaul")) {
        return "S3Proxy: SigV4 chunk signatures checked (SHA-256 per chunk)";
      }
      if (cls.endsWith("ChecksumValidatingInputStream")) {
        return "S3Proxy: each part's x-amz-checksum checked";
      }
      if (cls.endsWith("MpuChecksums")) {
        return "S3Proxy: the parts' checksums recomputed at CompleteMultipartUpload";
      }
      if (cls.equals("java.security.DigestInputStream")) {
        return "S3Proxy: MD5 of each part (its ETag)";
      }
      if (server) {
        continue;
      }
      if (cls.startsWith("software.amazon.awssdk")
          && frames.stream()
              .anyMatch(x -> x.getMethod().getType().getName().contains(".http.auth.aws."))) {
        return "S3 client: SigV4 chunk signing (SHA-256 per chunk; plain HTTP only)";
      }
      if (cls.equals(StreamingBackup.class.getName())) {
        if (m.equals("uploadPart")) {
          return digest ? "Rollgate: SHA-256 of each part" : "Rollgate: other in uploadPart";
        }
        if (digest) {
          return "Rollgate: SHA-256 of the whole object";
        }
        return crc ? "Rollgate: CRC32C of each part" : "Rollgate: reading the pipe into parts";
      }
      if (cls.startsWith("software.amazon.awssdk")) {
        return "S3 client: other (HTTP, request building)";
      }
      if (cls.startsWith("org.postgresql") || cls.startsWith("org.jooq")) {
        return "JDBC (counts)";
      }
    }
    String top = frames.isEmpty() ? "?" : frames.getFirst().getMethod().getType().getName();
    if (server || top.contains("eclipse.jetty")) {
      return "S3Proxy: other (HTTP, files)";
    }
    int dot = top.lastIndexOf('.');
    return "other: " + (dot < 0 ? top : top.substring(0, dot));
  }
}
