package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.release.Words;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Warm-up traffic: {@code perSecond} GET requests a second to one URL, paced by a scheduler (not
 * bursts), so a quiet canary has figures for its first gate. A response of 500 or above, or no
 * response within 10 s, counts as failed. Heartbeats once a second with the counts; a heartbeat
 * that throws (the activity was cancelled) stops the traffic and is rethrown.
 */
public class TrafficGenerator {
  static final int MAX_PER_SECOND = 1_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(3))
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();

  /** Returns one line, e.g. {@code warm-up: 600 requests in 1m, 3 failed (0.5 %)}. */
  public String warmUp(String url, int perSecond, Duration duration, Consumer<String> heartbeat) {
    URI uri = validate(url, perSecond, duration);
    AtomicLong sent = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    var inFlight = ConcurrentHashMap.<CompletableFuture<?>>newKeySet();
    long total = Math.max(1, Math.round(perSecond * duration.toMillis() / 1000.0));
    long periodNanos = 1_000_000_000L / perSecond;
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    long unanswered;
    try {
      pacer.scheduleAtFixedRate(
          () -> {
            if (sent.get() >= total) {
              return;
            }
            sent.incrementAndGet();
            CompletableFuture<?> f =
                http.sendAsync(
                        HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.discarding())
                    .handle(
                        (response, error) -> {
                          if (error != null || response.statusCode() >= 500) {
                            failed.incrementAndGet();
                          }
                          return null;
                        });
            inFlight.add(f);
            f.whenComplete((r, e) -> inFlight.remove(f));
          },
          0,
          periodNanos,
          TimeUnit.NANOSECONDS);
      long deadline = System.nanoTime() + duration.toNanos() + REQUEST_TIMEOUT.toNanos() + 1;
      while (sent.get() < total || !inFlight.isEmpty()) {
        if (System.nanoTime() > deadline) {
          break;
        }
        sleepUpToOneSecond();
        heartbeat.accept(progress(sent.get(), failed.get()));
      }
      unanswered = inFlight.size(); // still unanswered after their timeout: failed
    } finally {
      pacer.shutdownNow();
      inFlight.forEach(f -> f.cancel(true));
    }
    long n = sent.get();
    long bad = failed.get() + unanswered;
    return "warm-up: "
        + n
        + " requests in "
        + Words.duration(duration).replace(" ", "")
        + ", "
        + bad
        + " failed ("
        + Words.percent(n == 0 ? 0 : 100.0 * bad / n)
        + " %)";
  }

  private static String progress(long sent, long failed) {
    return String.format(Locale.ROOT, "warm-up: %d sent, %d failed", sent, failed);
  }

  private static void sleepUpToOneSecond() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.transientFailure("warm-up interrupted", e);
    }
  }

  static URI validate(String url, int perSecond, Duration duration) {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url);
    } catch (IllegalArgumentException e) {
      throw FailureType.INVALID_INPUT.permanent("warm-up URL '" + url + "' is not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw FailureType.INVALID_INPUT.permanent(
          "warm-up URL '" + url + "' must be http:// or https:// with a host");
    }
    if (perSecond < 1 || perSecond > MAX_PER_SECOND) {
      throw FailureType.INVALID_INPUT.permanent(
          "warm-up rate must be 1 to " + MAX_PER_SECOND + " requests/s, not " + perSecond);
    }
    if (duration == null || duration.compareTo(Duration.ofSeconds(1)) < 0) {
      throw FailureType.INVALID_INPUT.permanent("warm-up must last at least 1s");
    }
    return uri;
  }
}
