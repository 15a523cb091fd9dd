package dev.rollgate.workflows.gate;

import java.time.Duration;

/**
 * A metric that must stay healthy, e.g. {@code error_ratio: sum(rate(errors[5m])) /
 * sum(rate(requests[5m])) < 0.01}.
 *
 * @param name short label used in status and logs
 * @param query a PromQL instant query returning one series (the first one is used)
 * @param comparison how the value must relate to the threshold to pass
 * @param threshold the limit
 * @param analysis how it is measured and judged; null for {@link Analysis#defaults} at the
 *     release's check interval
 */
public record Guardrail(
    String name, String query, Comparison comparison, double threshold, Analysis analysis) {

  public Guardrail(String name, String query, Comparison comparison, double threshold) {
    this(name, query, comparison, threshold, null);
  }

  /** The same guardrail with other analysis settings. */
  public Guardrail withAnalysis(Analysis settings) {
    return new Guardrail(name, query, comparison, threshold, settings);
  }

  /** Its analysis settings, or the defaults at {@code interval}. */
  public Analysis analysisOr(Duration interval) {
    return analysis != null ? analysis : Analysis.defaults(interval);
  }

  /**
   * Parses {@code NAME: PROMQL OP THRESHOLD}, splitting at the last comparison operator that is
   * surrounded by spaces (PromQL may contain comparisons of its own).
   *
   * @throws IllegalArgumentException with a one-line reason
   */
  public static Guardrail parse(String spec) {
    String hint = " (expected NAME: PROMQL < THRESHOLD, e.g. 'errors: sum(rate(x[5m])) < 0.01')";
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty guardrail" + hint);
    }
    int colon = spec.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("guardrail '" + spec + "' has no name" + hint);
    }
    String name = spec.substring(0, colon).trim();
    String rest = spec.substring(colon + 1).trim();
    String[] tokens = rest.split("\\s+");
    for (int i = tokens.length - 2; i >= 1; i--) {
      Comparison comparison = Comparison.fromSymbol(tokens[i]);
      if (comparison != null && i == tokens.length - 2) {
        double threshold;
        try {
          threshold = Double.parseDouble(tokens[i + 1]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "guardrail '" + name + "' threshold '" + tokens[i + 1] + "' is not a number");
        }
        int opAt = rest.lastIndexOf(" " + tokens[i] + " ");
        String query = rest.substring(0, opAt).trim();
        Guardrail g = new Guardrail(name, query, comparison, threshold);
        String problem = g.problem();
        if (problem != null) {
          throw new IllegalArgumentException(problem);
        }
        return g;
      }
    }
    throw new IllegalArgumentException("guardrail '" + name + "' has no comparison" + hint);
  }

  /** Null when well formed, else a one-line reason. PromQL syntax is checked by Prometheus. */
  public String problem() {
    if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
      return "guardrail name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'";
    }
    if (query == null || query.isBlank()) {
      return "guardrail '" + name + "' has an empty query";
    }
    if (comparison == null) {
      return "guardrail '" + name + "' has no comparison";
    }
    if (Double.isNaN(threshold) || Double.isInfinite(threshold)) {
      return "guardrail '" + name + "' threshold must be a finite number";
    }
    if (analysis != null && analysis.problem() != null) {
      return "guardrail '" + name + "': " + analysis.problem();
    }
    return null;
  }

  @Override
  public String toString() {
    return name + ": " + query + " " + comparison.symbol() + " " + threshold;
  }
}
