package dev.rollgate.starter.cli;

import picocli.CommandLine.Option;

/** Who is acting: recorded in the audit log; defaults to $ROLLGATE_USER, then $USER. */
public class ActorOptions {
  @Option(
      names = "--by",
      description = "who is acting (default: $ROLLGATE_USER, then $USER)",
      defaultValue = "${env:ROLLGATE_USER:-${env:USER}}")
  String by;

  public String by() {
    if (by == null || by.isBlank() || by.startsWith("${")) {
      throw CliException.usage("--by is required (or set ROLLGATE_USER)");
    }
    return by.trim();
  }
}
