package dev.rollgate.activities.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** AWS errors mapped in the deploy package; the rest by the core's Failures. */
class AwsFailuresTest {
  private static ApplicationFailure translate(Throwable e) {
    return (ApplicationFailure) AwsFailures.translate("doing", e);
  }

  private static AwsServiceException status(int code) {
    return AwsServiceException.builder().statusCode(code).message("answer " + code).build();
  }

  @Test
  void a404IsNotFoundAndPermanent() {
    ApplicationFailure f = translate(status(404));
    assertThat(f.getType()).isEqualTo("NOT_FOUND");
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).startsWith("doing: ");
  }

  @Test
  void serverErrorsThrottlingAndNoAnswerAreRetryableUnavailable() {
    for (Throwable e :
        new Throwable[] {status(503), SdkClientException.create("connection refused")}) {
      ApplicationFailure f = translate(e);
      assertThat(f.getType()).isEqualTo("UNAVAILABLE");
      assertThat(f.isNonRetryable()).isFalse();
    }
  }

  @Test
  void otherErrorsGoToTheCoreTranslation() {
    assertThat(translate(new IOException("reset")).getType()).isEqualTo("UNAVAILABLE");
    assertThat(translate(status(400)).getType()).isEqualTo("AwsServiceException");
  }
}
