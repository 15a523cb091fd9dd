package dev.rollgate.activities;

import dev.rollgate.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.jooq.exception.DataAccessException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Translates infrastructure exceptions into Temporal failures, in one place: connection problems
 * and timeouts are retryable ({@code UNAVAILABLE}), as are AWS 5xx and throttling answers; an AWS
 * 404 is {@code NOT_FOUND}; anything already an {@link ApplicationFailure} passes through.
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
    if (e instanceof AwsServiceException aws) {
      if (aws.statusCode() == 404) {
        return FailureType.NOT_FOUND.permanent(message);
      }
      if (aws.statusCode() >= 500 || aws.isThrottlingException()) {
        return FailureType.UNAVAILABLE.transientFailure(message, e);
      }
    } else if (e instanceof SdkClientException) {
      // no answer from the AWS API (connection refused, timeout)
      return FailureType.UNAVAILABLE.transientFailure(message, e);
    }
    return ApplicationFailure.newFailureWithCause(message, e.getClass().getSimpleName(), e);
  }

  private static boolean isSerializationConflict(DataAccessException e) {
    String state = e.sqlState();
    return "40001".equals(state) || "40P01".equals(state) || "23505".equals(state);
  }
}
