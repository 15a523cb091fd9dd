package dev.rollgate.activities;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the external programs Rollgate runs (pg_dump, pg_restore, psql, locust, haproxy,
 * moto_server), in one place and in one order: the tool's own environment variable, then the
 * project's bootstrap folder ({@code bin/bootstrap} installs into {@code .tools/}; found through
 * {@code ROLLGATE_TOOLS} or by walking up from the working directory), then the {@code PATH}. A
 * missing tool is one clear message naming what to run.
 */
public enum Tools {
  PG_DUMP("pg_dump", "ROLLGATE_PG_BIN", "pg18/bin", "PostgreSQL 18 client tools"),
  PG_RESTORE("pg_restore", "ROLLGATE_PG_BIN", "pg18/bin", "PostgreSQL 18 client tools"),
  PSQL("psql", "ROLLGATE_PG_BIN", "pg18/bin", "PostgreSQL 18 client tools"),
  PGBENCH("pgbench", "ROLLGATE_PG_BIN", "pg18/bin", "PostgreSQL 18 client tools"),
  LOCUST("locust", "ROLLGATE_LOCUST", "venv/bin", "Locust"),
  MOTO_SERVER("moto_server", "ROLLGATE_MOTO_SERVER", "venv/bin", "moto (local AWS API)"),
  HAPROXY("haproxy", "ROLLGATE_HAPROXY", null, "HAProxy"),
  PROMTOOL("promtool", "ROLLGATE_PROMTOOL", null, "Prometheus' promtool"),
  SQUAWK("squawk", "ROLLGATE_SQUAWK", "venv/bin", "squawk, the PostgreSQL migration linter");

  private final String binary;
  private final String variable;
  private final String toolsSubdir;
  private final String what;

  Tools(String binary, String variable, String toolsSubdir, String what) {
    this.binary = binary;
    this.variable = variable;
    this.toolsSubdir = toolsSubdir;
    this.what = what;
  }

  public String binary() {
    return binary;
  }

  /** The program's path, or empty when it is nowhere to be found. */
  public Optional<Path> find() {
    String configured = System.getenv(variable);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      Path candidate = Files.isDirectory(p) ? p.resolve(binary) : p;
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    if (toolsSubdir != null) {
      Optional<Path> tools = toolsDirectory();
      if (tools.isPresent()) {
        Path candidate = tools.get().resolve(toolsSubdir).resolve(binary);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
          return Optional.of(Path.of(dir, binary));
        }
      }
    }
    for (String dir : new String[] {"/usr/sbin", "/usr/bin"}) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return Optional.of(Path.of(dir, binary));
      }
    }
    return Optional.empty();
  }

  /**
   * The program's path, or an {@link IllegalStateException} saying what is missing and how to get
   * it.
   */
  public Path require() {
    return find().orElseThrow(() -> new IllegalStateException(missing()));
  }

  /** One line: what is missing and how to install it. */
  public String missing() {
    return binary
        + " not found ("
        + what
        + "): run bin/bootstrap, which installs it"
        + (toolsSubdir == null ? "" : " into .tools/" + toolsSubdir)
        + ", or set "
        + variable;
  }

  /**
   * The bootstrap folder: {@code ROLLGATE_TOOLS}, or a {@code .tools} folder above the working
   * directory.
   */
  public static Optional<Path> toolsDirectory() {
    String configured = System.getenv("ROLLGATE_TOOLS");
    if (configured != null && !configured.isBlank() && Files.isDirectory(Path.of(configured))) {
      return Optional.of(Path.of(configured));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(".tools"))) {
        return Optional.of(dir.resolve(".tools"));
      }
    }
    return Optional.empty();
  }
}
