package dev.rollgate.activities.aws;

import dev.rollgate.activities.Failures;
import dev.rollgate.workflows.FailureType;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * AWS errors as Temporal failures, for the activities that call AWS (ALB, ECS, S3): a 404 is {@code
 * NOT_FOUND}; 5xx and throttling answers and no answer at all are retryable {@code UNAVAILABLE};
 * anything else goes to {@link Failures#translate}, which knows no AWS type, so the core of the
 * activities does not depend on the AWS SDK.
 */
public final class AwsFailures {
  private AwsFailures() {}

  public static RuntimeException translate(String doing, Throwable e) {
    String message = doing + ": " + FailureType.rootMessage(e);
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
    return Failures.translate(doing, e);
  }
}
