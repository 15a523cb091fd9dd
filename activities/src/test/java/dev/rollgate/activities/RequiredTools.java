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
      if (Boolean.parseBoolean(System.getenv("ROLLGATE_TOOLS_REQUIRED"))) {
        fail(tool.missing());
      }
      assumeTrue(false, "skipped: " + tool.missing());
    }
    return found.get();
  }
}
