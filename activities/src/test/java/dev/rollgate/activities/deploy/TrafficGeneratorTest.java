package dev.rollgate.activities.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {
  private final TrafficGenerator generator = new TrafficGenerator();

  @Test
  void sendsTheRequestedRateAndSaysSoInOneLine() throws Exception {
    List<String> beats = new ArrayList<>();
    try (TestHttpServer server = new TestHttpServer(0)) {
      long started = System.nanoTime();
      String line = generator.warmUp(server.url() + "/", 50, Duration.ofSeconds(3), beats::add);
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(line).isEqualTo("warm-up: 150 requests in 3s, 0 failed (0 %)");
      assertThat(server.requests.get()).isEqualTo(150);
      // paced over the duration, not sent in a burst
      assertThat(took).isBetween(Duration.ofMillis(2_900), Duration.ofMillis(5_500));
      assertThat(beats).hasSizeGreaterThanOrEqualTo(2).first().asString().startsWith("warm-up: ");
    }
  }

  @Test
  void countsServerErrorsAsFailed() throws Exception {
    try (TestHttpServer server = new TestHttpServer(4)) {
      String line = generator.warmUp(server.url(), 20, Duration.ofSeconds(2), b -> {});

      assertThat(line).isEqualTo("warm-up: 40 requests in 2s, 10 failed (25 %)");
    }
  }

  @Test
  void aCancelledWarmUpStopsSending() throws Exception {
    try (TestHttpServer server = new TestHttpServer(0)) {
      assertThatThrownBy(
              () ->
                  generator.warmUp(
                      server.url(),
                      50,
                      Duration.ofMinutes(5),
                      b -> {
                        throw new CancellationException("cancelled");
                      }))
          .isInstanceOf(CancellationException.class);
      long atCancel = server.requests.get();
      assertThat(atCancel).isBetween(40L, 60L); // about one second's worth
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .until(() -> server.requests.get() <= atCancel + 1);
    }
  }

  @Test
  void badInputIsOneClearError() {
    assertThatThrownBy(() -> generator.warmUp("ftp://x/", 10, Duration.ofSeconds(5), b -> {}))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.getOriginalMessage()).contains("must be http:// or https://");
            });
    assertThatThrownBy(() -> generator.warmUp("http://x/", 0, Duration.ofSeconds(5), b -> {}))
        .hasMessageContaining("warm-up rate must be 1 to 1000 requests/s, not 0");
  }
}
