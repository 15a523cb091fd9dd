package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.FailureType;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The hosts a deployment may make this worker call (warm-up, load test, idle side health and smoke
 * checks): the worker's {@code rollgate.deploy.allowed-hosts}. An entry is a host name or IP
 * address ({@code api.internal}, {@code 10.0.0.5}, {@code ::1}), a domain and its sub-domains
 * ({@code *.internal}), or {@code *} for any host. Names are compared as written, never resolved.
 */
public final class AllowedHosts {
  /** The default: this machine only. */
  public static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1", "::1");

  private final List<String> entries;

  public AllowedHosts(List<String> entries) {
    this.entries =
        (entries == null || entries.isEmpty() ? LOOPBACK : entries)
            .stream()
                .map(e -> strip(e.strip().toLowerCase(Locale.ROOT)))
                .filter(e -> !e.isEmpty())
                .toList();
  }

  public static AllowedHosts loopback() {
    return new AllowedHosts(LOOPBACK);
  }

  /** Null when the worker may call {@code url}, else one line saying why not. */
  public String problem(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return "deployment URL '" + url + "' is not a URL";
    }
    String host = uri.getHost() == null ? null : strip(uri.getHost().toLowerCase(Locale.ROOT));
    if (host == null || host.isEmpty()) {
      return "deployment URL '" + url + "' names no host";
    }
    for (String entry : entries) {
      if (entry.equals("*")
          || entry.equals(host)
          || (entry.startsWith("*.") && host.endsWith(entry.substring(1)))) {
        return null;
      }
    }
    return "deployment URL "
        + url
        + " is refused: host '"
        + host
        + "' is not in the worker's rollgate.deploy.allowed-hosts ("
        + String.join(", ", entries)
        + ")";
  }

  /** Refuses the first URL not allowed with a non-retryable {@code INVALID_INPUT}. */
  public void check(List<String> urls) {
    for (String url : urls) {
      String problem = problem(url);
      if (problem != null) {
        throw FailureType.INVALID_INPUT.permanent(problem);
      }
    }
  }

  private static String strip(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
