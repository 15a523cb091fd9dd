package dev.rollgate.starter.cli;

/**
 * The exit codes of every {@code rollgate} command: 0 done, 1 refused or failed, 2 bad usage or bad
 * input. Errors are one line on stderr.
 */
public final class ExitCode {
  /** Done. */
  public static final int OK = 0;

  /** Refused (a policy, a state that does not allow it) or failed (a server down, an error). */
  public static final int FAILED = 1;

  /** Bad usage or bad input: nothing was sent anywhere. */
  public static final int USAGE = 2;

  private ExitCode() {}
}
