package dev.rollgate.worker.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The server binaries the dev stack runs as its own children, unpacked once under the state
 * directory (never into {@code java.io.tmpdir}): PostgreSQL from zonky's binaries jar, Redis from
 * embedded-redis's jar. The libraries' own launchers are not used because they start servers the
 * dev stack could not supervise (zonky's {@code pg_ctl} daemonises the postmaster) or unpack into a
 * fresh temp directory on every start (embedded-redis).
 */
final class EmbeddedBinaries {
  private static final String POSTGRES_ARCHIVE = "/postgres-linux-x86_64.txz";
  private static final String REDIS_SERVER = "/redis-server-6.2.6-v5-linux-amd64";

  private EmbeddedBinaries() {}

  /** The directory holding PostgreSQL's {@code bin/}, {@code lib/} and {@code share/}. */
  static Path postgres(Path binariesDir) throws IOException {
    URL archive = resource(POSTGRES_ARCHIVE);
    // the URL names the binaries jar and so its version: a new version unpacks next to the old
    Path dir = binariesDir.resolve("pg-" + Integer.toHexString(archive.toString().hashCode()));
    Path complete = dir.resolve(".complete");
    if (Files.exists(complete)) {
      return dir;
    }
    Files.createDirectories(dir);
    try (InputStream in = archive.openStream();
        TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        Path target = dir.resolve(entry.getName()).normalize();
        if (!target.startsWith(dir)) {
          throw new IOException("unexpected entry in the PostgreSQL archive: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
          if ((entry.getMode() & 0100) != 0) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
          }
        }
      }
    }
    Files.createFile(complete);
    return dir;
  }

  /** The {@code redis-server} executable. */
  static Path redisServer(Path binariesDir) throws IOException {
    Path target = binariesDir.resolve("redis-server-6.2.6");
    if (!Files.isExecutable(target)) {
      Files.createDirectories(binariesDir);
      Path partial = binariesDir.resolve("redis-server.partial");
      try (InputStream in = resource(REDIS_SERVER).openStream()) {
        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  private static URL resource(String name) throws IOException {
    URL url = EmbeddedBinaries.class.getResource(name);
    if (url == null) {
      throw new IOException(name + " is not on the classpath (only linux-amd64 is packaged)");
    }
    return url;
  }
}
