package dev.rollgate.workflows;

import io.temporal.failure.ApplicationFailure;

/**
 * Every failure type Rollgate raises. Used as the {@code type} of {@link ApplicationFailure} so
 * callers (the CLI, the Web UI) can tell a refusal from a crash.
 */
public enum FailureType {
  /** The request itself is wrong: fix the input and try again. Never retried. */
  INVALID_INPUT,
  /** A target (flag, database, service) does not exist. Never retried. */
  NOT_FOUND,
  /** A policy forbids the action (self-approval, duplicate start). Never retried. */
  REFUSED,
  /** A dependency (Prometheus, PostgreSQL, Redis) could not be reached. Retried. */
  UNAVAILABLE,
  /** A concurrent writer changed the object first. Retried. */
  CONFLICT,
  /**
   * A release stopped but a change could not be undone (a rollback that did not happen): a person
   * must look. Never retried.
   */
  COMPENSATION_FAILED,
  /** Stored data does not match its checksum (a corrupted backup object). Never retried. */
  CORRUPTED;

  /** A permanent failure: the activity or workflow must not retry it. */
  public ApplicationFailure permanent(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, name());
  }

  /**
   * The message of the innermost cause: what a person should read of a chain of wrapped failures
   * (an ApplicationFailure's own message, without its type prefix).
   */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /** A transient failure: Temporal retries it with the activity's retry policy. */
  public ApplicationFailure transientFailure(String message, Throwable cause) {
    return ApplicationFailure.newFailureWithCause(message, name(), cause);
  }
}
