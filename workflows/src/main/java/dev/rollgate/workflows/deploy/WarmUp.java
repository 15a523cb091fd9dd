package dev.rollgate.workflows.deploy;

import java.time.Duration;

/**
 * Traffic generated through the router before the first gate, so that a quiet service still gets a
 * verdict.
 *
 * @param url where the requests go (the router's front end)
 * @param perSecond requests per second
 * @param duration for how long
 */
public record WarmUp(String url, int perSecond, Duration duration) {
  /** Null when well formed, else one line. */
  public String problem() {
    if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
      return "the warm-up URL must start with http:// or https:// (got '" + url + "')";
    }
    if (perSecond < 1) {
      return "the warm-up rate must be at least 1 request/s";
    }
    if (duration == null || duration.isZero() || duration.isNegative()) {
      return "the warm-up duration must be longer than zero";
    }
    return null;
  }
}
