package dev.rollgate.workflows.deploy;

import java.util.List;

/**
 * The default canary metrics and rollback-trigger queries, over HAProxy 2.6's built-in Prometheus
 * exporter ({@code http-request use-service prometheus-exporter}), whose server label is the side.
 *
 * <p>HAProxy 2.6 exports no latency histogram: per server only {@code
 * haproxy_server_response_time_average_seconds} (the mean of the last 1,024 responses) and {@code
 * haproxy_server_max_response_time_seconds}. The default p95 / p99 are therefore the 95th / 99th
 * percentile over the window of that rolling mean, a proxy for request percentiles; a service that
 * exports a histogram per side should use {@link #histogramQuantile} instead.
 */
public final class CanaryMetrics {
  private CanaryMetrics() {}

  /** 5xx responses over all responses of one side, a ratio (0.02 = 2 %). */
  public static final String ERROR_RATIO =
      "sum(rate(haproxy_server_http_responses_total{proxy=\"{{backend}}\",server=\"{{side}}\","
          + "code=\"5xx\"}[{{window}}])) / sum(rate(haproxy_server_http_responses_total{"
          + "proxy=\"{{backend}}\",server=\"{{side}}\"}[{{window}}]))";

  /** 5xx responses of one side within the window (a count). */
  public static final String FIVE_XX_COUNT =
      "sum(increase(haproxy_server_http_responses_total{proxy=\"{{backend}}\",server=\"{{side}}\","
          + "code=\"5xx\"}[{{window}}]))";

  /** The {@code q} quantile (0.95) over the window of HAProxy's rolling mean response time. */
  public static String responseTimeQuantile(double q) {
    return "quantile_over_time("
        + q
        + ", haproxy_server_response_time_average_seconds{proxy=\"{{backend}}\","
        + "server=\"{{side}}\"}[{{window}}])";
  }

  /**
   * The {@code q} quantile of a service's own histogram labelled by side, e.g. {@code
   * histogramQuantile(0.95, "http_server_requests_seconds", "side")}.
   */
  public static String histogramQuantile(double q, String histogram, String sideLabel) {
    return "histogram_quantile("
        + q
        + ", sum by (le) (rate("
        + histogram
        + "_bucket{"
        + sideLabel
        + "=\"{{side}}\"}[{{window}}])))";
  }

  /**
   * Error ratio (critical, at most 2 %), p95 (at most 0.5 s) and p99 (compared with the baseline
   * only), named {@code error_ratio}, {@code p95} and {@code p99}.
   */
  public static List<CanaryMetric> defaults() {
    RollbackTriggers t = RollbackTriggers.defaults();
    return List.of(
        new CanaryMetric("error_ratio", ERROR_RATIO, t.maxErrorRatio(), true),
        new CanaryMetric("p95", responseTimeQuantile(0.95), t.maxP95Seconds(), false),
        new CanaryMetric("p99", responseTimeQuantile(0.99), null, false));
  }
}
