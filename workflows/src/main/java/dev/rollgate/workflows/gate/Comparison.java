package dev.rollgate.workflows.gate;

/** How a guardrail reading is compared with its threshold; the reading must satisfy it. */
public enum Comparison {
  LT("<"),
  LTE("<="),
  GT(">"),
  GTE(">=");

  private final String symbol;

  Comparison(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  public boolean holds(double value, double threshold) {
    return switch (this) {
      case LT -> value < threshold;
      case LTE -> value <= threshold;
      case GT -> value > threshold;
      case GTE -> value >= threshold;
    };
  }

  /** Parses {@code <}, {@code <=}, {@code >} or {@code >=}; null when it is none of them. */
  public static Comparison fromSymbol(String symbol) {
    for (Comparison c : values()) {
      if (c.symbol.equals(symbol)) {
        return c;
      }
    }
    return null;
  }
}
