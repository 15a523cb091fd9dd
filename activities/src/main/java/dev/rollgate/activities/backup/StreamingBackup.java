package dev.rollgate.activities.backup;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * {@code pg_dump -Fc --compress=zstd|gzip} streamed into an S3 multipart upload with bounded
 * memory: at most {@code partsInFlight + 1} buffers of {@code partSize} bytes exist (one filling,
 * the others uploading). pg_dump's output is read straight into the part buffers, and each byte is
 * hashed once, as it arrives: the whole object's SHA-256 (what is recorded, and what a restore
 * checks) and the part's CRC32C, which S3 verifies on each part. A SHA-256 per part, as before, was
 * a second SHA-256 pass here and a third where the server checked it and combined the parts'
 * checksums, for an integrity check the CRC32C gives (issue 19's profile). Rows are counted in the
 * dump's own snapshot: a repeatable-read transaction exports it, pg_dump runs with {@code
 * --snapshot}, and the transaction stays open until pg_dump has finished. Any failure aborts the
 * upload and stops pg_dump; a non-zero exit is never a success.
 */
public final class StreamingBackup {
  public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
  public static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;
  public static final int DEFAULT_PARTS_IN_FLIGHT = 2;

  /** Heartbeat details of a running dump or restore, as the CLI reads them. */
  public record Progress(long bytes, double mbPerSecond) {}

  /**
   * Where and how backups are written.
   *
   * @param bucket the S3 bucket
   * @param partSize bytes per multipart part (at least 5 MiB)
   * @param partsInFlight parts uploading at once (at least 1)
   * @param serverSideEncryption ask S3 to encrypt (false only for a local S3 that cannot, such as
   *     the dev stack's S3Proxy, which answers 501 to it)
   */
  public record Settings(
      String bucket, int partSize, int partsInFlight, boolean serverSideEncryption) {
    public Settings {
      if (bucket == null || bucket.isBlank()) {
        throw new IllegalArgumentException("backups need a bucket (rollgate.s3.bucket)");
      }
      if (partSize < MIN_PART_SIZE) {
        throw new IllegalArgumentException(
            "the backup part size must be at least 5 MiB, got " + partSize);
      }
      if (partsInFlight < 1) {
        throw new IllegalArgumentException("backup parts in flight must be at least 1");
      }
    }

    public static Settings defaults(String bucket) {
      return new Settings(bucket, DEFAULT_PART_SIZE, DEFAULT_PARTS_IN_FLIGHT, true);
    }
  }

  /** A finished upload. */
  public record Result(long bytes, String sha256, Map<String, Long> rowCounts, int parts) {}

  private final S3Client s3;
  private final Settings settings;

  public StreamingBackup(S3Client s3, Settings settings) {
    this.s3 = s3;
    this.settings = settings;
  }

  /** {@code backups/orders/backup_orders_20261128T020000Z.dump}: one key per backup id. */
  public static String objectKey(String database, String backupId) {
    return "backups/" + database + "/" + backupId.replace('/', '_') + ".dump";
  }

  /** Aborts every multipart upload still open under {@code key} (a crashed attempt's). */
  public int abortStaleUploads(String key) {
    int aborted = 0;
    String keyMarker = null;
    String uploadMarker = null;
    while (true) {
      var request =
          software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest.builder()
              .bucket(settings.bucket())
              .prefix(key)
              .keyMarker(keyMarker)
              .uploadIdMarker(uploadMarker)
              .build();
      var page = s3.listMultipartUploads(request);
      for (MultipartUpload u : page.uploads()) {
        if (u.key().equals(key)) {
          s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(u.uploadId()));
          aborted++;
        }
      }
      if (!Boolean.TRUE.equals(page.isTruncated())) {
        return aborted;
      }
      keyMarker = page.nextKeyMarker();
      uploadMarker = page.nextUploadIdMarker();
    }
  }

  /**
   * Dumps {@code target} into {@code key}. {@code progress} is called about once a second (it may
   * throw to cancel: the upload is aborted and pg_dump stopped). A pg_dump still running after
   * {@code timeout} is killed with its children; the upload is aborted and the failure says so.
   */
  public Result run(
      Path pgDump,
      DatabaseRegistry.Target target,
      String key,
      String compression,
      String encryption,
      String kmsKeyId,
      Duration timeout,
      Consumer<Progress> progress)
      throws Exception {
    try (Connection snapshotTx = target.open();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      snapshotTx.setAutoCommit(false);
      snapshotTx.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      snapshotTx.setReadOnly(true);
      String snapshot;
      try (Statement s = snapshotTx.createStatement();
          ResultSet r = s.executeQuery("select pg_export_snapshot()")) {
        r.next();
        snapshot = r.getString(1);
      }
      List<String> command =
          List.of(
              pgDump.toString(),
              "--format=custom",
              "--compress=" + compression,
              "--snapshot=" + snapshot,
              "--no-password",
              "--dbname=" + target.libpqUri());
      Process dump = PgTools.start(command, target);
      String uploadId = null;
      try (PgTools.Child child = new PgTools.Child(dump, "pg_dump of " + target.name(), timeout)) {
        dump.getOutputStream().close();
        PgTools.Drain stderr = new PgTools.Drain(dump.getErrorStream(), "pg_dump-stderr");
        // the exporting transaction counts rows in the same snapshot while pg_dump reads it
        Future<Map<String, Long>> counting = pool.submit(() -> PgTools.countRows(snapshotTx));
        var create =
            s3.createMultipartUpload(
                b -> {
                  b.bucket(settings.bucket())
                      .key(key)
                      .contentType("application/octet-stream")
                      .checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
                  if (settings.serverSideEncryption()) {
                    b.serverSideEncryption(ServerSideEncryption.fromValue(encryption));
                    if (kmsKeyId != null && !kmsKeyId.isBlank()) {
                      b.ssekmsKeyId(kmsKeyId);
                    }
                  }
                });
        uploadId = create.uploadId();
        Streamed streamed = stream(dump.getInputStream(), key, uploadId, pool, progress);
        int exit;
        try {
          exit = child.await(() -> {});
        } catch (PgTools.Child.TimedOut e) {
          throw FailureType.UNAVAILABLE.transientFailure(e.getMessage(), null);
        }
        if (exit != 0) {
          throw FailureType.UNAVAILABLE.transientFailure(
              "pg_dump of " + target.name() + " exited with " + exit + ": " + stderr.text(), null);
        }
        Map<String, Long> counts = counting.get();
        String id = uploadId;
        s3.completeMultipartUpload(
            b ->
                b.bucket(settings.bucket())
                    .key(key)
                    .uploadId(id)
                    .multipartUpload(m -> m.parts(streamed.parts())));
        uploadId = null;
        snapshotTx.commit();
        return new Result(streamed.bytes(), streamed.sha256(), counts, streamed.parts().size());
      } catch (Throwable e) {
        if (dump.isAlive()) {
          PgTools.Child.killTree(dump);
        }
        if (uploadId != null) {
          String id = uploadId;
          try {
            s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(id));
          } catch (RuntimeException abortFailed) {
            e.addSuppressed(abortFailed);
          }
        }
        try {
          snapshotTx.rollback();
        } catch (Exception rollbackFailed) {
          e.addSuppressed(rollbackFailed);
        }
        throw e;
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private record Streamed(long bytes, String sha256, List<CompletedPart> parts) {}

  /** Reads {@code in} into parts and uploads them, at most {@code partsInFlight} at once. */
  private Streamed stream(
      InputStream in,
      String key,
      String uploadId,
      ExecutorService pool,
      Consumer<Progress> progress)
      throws Exception {
    MessageDigest whole = sha256();
    int buffers = settings.partsInFlight() + 1;
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(buffers);
    int allocated = 0;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Future<CompletedPart>> uploads = new ArrayList<>();
    long bytes = 0;
    long started = System.nanoTime();
    long lastBeat = started;
    int partNumber = 0;
    boolean eof = false;
    while (!eof) {
      byte[] buf = free.poll();
      if (buf == null && allocated < buffers) {
        buf = new byte[settings.partSize()];
        allocated++;
      }
      while (buf == null) {
        buf = free.poll(1, TimeUnit.SECONDS);
        rethrow(failure);
        lastBeat = beat(progress, bytes, started, lastBeat, true);
      }
      int filled = 0;
      CRC32C crc = new CRC32C();
      while (filled < buf.length) {
        int n = in.read(buf, filled, buf.length - filled);
        if (n < 0) {
          eof = true;
          break;
        }
        whole.update(buf, filled, n);
        crc.update(buf, filled, n);
        filled += n;
        bytes += n;
        lastBeat = beat(progress, bytes, started, lastBeat, false);
      }
      rethrow(failure);
      if (filled == 0 && partNumber > 0) {
        free.add(buf);
        break;
      }
      int number = ++partNumber;
      byte[] part = buf;
      int length = filled;
      int checksum = (int) crc.getValue();
      uploads.add(
          pool.submit(
              () -> {
                try {
                  return uploadPart(key, uploadId, number, part, length, checksum);
                } catch (Throwable t) {
                  failure.compareAndSet(null, t);
                  throw t;
                } finally {
                  free.add(part);
                }
              }));
    }
    List<CompletedPart> parts = new ArrayList<>();
    for (Future<CompletedPart> f : uploads) {
      while (!f.isDone()) {
        try {
          f.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException stillUploading) {
          lastBeat = beat(progress, bytes, started, lastBeat, true);
        } catch (java.util.concurrent.ExecutionException failed) {
          break;
        }
      }
      rethrow(failure);
      parts.add(f.get());
    }
    beat(progress, bytes, started, lastBeat, true);
    parts.sort(Comparator.comparing(CompletedPart::partNumber));
    return new Streamed(bytes, HexFormat.of().formatHex(whole.digest()), parts);
  }

  private CompletedPart uploadPart(
      String key, String uploadId, int number, byte[] buf, int length, int crc32c) {
    String checksum =
        Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(crc32c).array());
    UploadPartResponse r =
        s3.uploadPart(
            b ->
                b.bucket(settings.bucket())
                    .key(key)
                    .uploadId(uploadId)
                    .partNumber(number)
                    .contentLength((long) length)
                    .checksumCRC32C(checksum),
            RequestBody.fromContentProvider(
                () -> new java.io.ByteArrayInputStream(buf, 0, length),
                length,
                "application/octet-stream"));
    return CompletedPart.builder()
        .partNumber(number)
        .eTag(r.eTag())
        .checksumCRC32C(checksum)
        .build();
  }

  private static long beat(
      Consumer<Progress> progress, long bytes, long started, long lastBeat, boolean force) {
    long now = System.nanoTime();
    if (!force && now - lastBeat < TimeUnit.SECONDS.toNanos(1)) {
      return lastBeat;
    }
    double seconds = Math.max(1e-3, (now - started) / 1e9);
    progress.accept(new Progress(bytes, Math.round(bytes / seconds / 1e4) / 100.0));
    return now;
  }

  private static void rethrow(AtomicReference<Throwable> failure) throws Exception {
    Throwable t = failure.get();
    if (t instanceof Exception e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
