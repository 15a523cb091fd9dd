package dev.rollgate.starter;

/** A failure to report as one line on stderr, with the exit code to return. */
public class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(String message) {
    this(message, RollgateCli.EXIT_FAILED);
  }

  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
