package dev.rollgate.workflows.deploy;

/**
 * One metric compared between canary and baseline. {@code query} is PromQL with placeholders:
 * {@code {{side}}} (the side's label value: its HAProxy server or target group name), {@code
 * {{backend}}} (the router's scope) and {@code {{window}}} (the analysis window, e.g. {@code 1m}).
 *
 * @param name short label, e.g. {@code error_ratio}, {@code p95}
 * @param query PromQL template returning one series per side
 * @param maxValue an absolute ceiling for the canary's value (e.g. 0.02 for 2 % errors), or null
 * @param critical a failed critical metric fails the stage whatever the others say (Kayenta)
 */
public record CanaryMetric(String name, String query, Double maxValue, boolean critical) {
  /** Null when well formed, else one line. */
  public String problem() {
    if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
      return "metric name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'";
    }
    if (query == null || query.isBlank()) {
      return "metric '" + name + "' has an empty query";
    }
    return null;
  }
}
