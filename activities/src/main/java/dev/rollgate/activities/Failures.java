package dev.rollgate.activities;

import dev.rollgate.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.jooq.exception.DataAccessException;

/**
 * Translates infrastructure exceptions into Temporal failures, in one place: connection problems
 * and timeouts are retryable ({@code UNAVAILABLE}); a serialisation conflict is {@code CONFLICT};
 * anything already an {@link ApplicationFailure} passes through. AWS errors are mapped first by
 * {@code deploy.AwsFailures}, which calls this for the rest.
 */
public final class Failures {
  private Failures() {}

  public static RuntimeException translate(String doing, Throwable e) {
    if (e instanceof ApplicationFailure af) {
      return af;
    }
    String message = doing + ": " + FailureType.rootMessage(e);
    if (e instanceof DataAccessException dae && isSerializationConflict(dae)) {
      return FailureType.CONFLICT.transientFailure(message, e);
    }
    if (e instanceof DataAccessException
        || e instanceof SQLException
        || e instanceof SQLTransientException
        || e instanceof HttpTimeoutException
        || e instanceof IOException
        || e instanceof io.lettuce.core.RedisException) {
      return FailureType.UNAVAILABLE.transientFailure(message, e);
    }
    return ApplicationFailure.newFailureWithCause(message, e.getClass().getSimpleName(), e);
  }

  private static boolean isSerializationConflict(DataAccessException e) {
    String state = e.sqlState();
    return "40001".equals(state) || "40P01".equals(state) || "23505".equals(state);
  }
}
