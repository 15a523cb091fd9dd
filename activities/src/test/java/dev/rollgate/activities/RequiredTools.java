package dev.rollgate.activities;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/**
 * For tests that run an installed program: under {@code bin/test} (which bootstraps the tools and
 * sets {@code ROLLGATE_TOOLS_REQUIRED}) a missing tool fails the test; in a bare {@code mvn verify}
 * the test is skipped with the reason and the command that installs it.
 */
public final class RequiredTools {
  private RequiredTools() {}

  public static Path require(Tools tool) {
    var found = tool.find();
    if (found.isEmpty()) {
      missing(tool.missing());
    }
    return found.get();
  }

  /**
   * A program at a fixed place (e.g. Debian's PostgreSQL 15 {@code pg_dump}), with the same rule:
   * missing under {@code ROLLGATE_TOOLS_REQUIRED} fails, else skips.
   *
   * @param missing what is missing and how to install it, one line
   */
  public static Path require(Path program, String missing) {
    if (!java.nio.file.Files.isExecutable(program)) {
      missing(program + " not found: " + missing);
    }
    return program;
  }

  private static void missing(String message) {
    if (Boolean.parseBoolean(System.getenv("ROLLGATE_TOOLS_REQUIRED"))) {
      fail(message);
    }
    assumeTrue(false, "skipped: " + message);
  }
}
