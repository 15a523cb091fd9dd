package dev.rollgate.starter.cli;

/** A failure to report as one line on stderr, with the {@link ExitCode} to return. */
public class CliException extends RuntimeException {
  private final int exitCode;

  /** Refused or failed: exit 1. */
  public CliException(String message) {
    this(message, ExitCode.FAILED);
  }

  public CliException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** Bad usage or input: exit 2. */
  public static CliException usage(String message) {
    return new CliException(message, ExitCode.USAGE);
  }

  public int exitCode() {
    return exitCode;
  }
}
