package dev.rollgate.flags;

/**
 * A flag that must give an answer for the same context before this one is evaluated further
 * (LaunchDarkly's prerequisites): when it does not, this flag is off with reason {@link
 * EvaluationReason#PREREQUISITE_FAILED}. A prerequisite also fails when its flag is unknown, killed
 * or disabled, whatever the answer required.
 *
 * @param flag the prerequisite flag's name
 * @param on the answer it must give: true (the usual case) or false
 */
public record Prerequisite(String flag, boolean on) {

  /** Checks the name with {@link FlagNames#problem(String)}. */
  public Prerequisite {
    String problem = FlagNames.problem(flag);
    if (problem != null) {
      throw new IllegalArgumentException("prerequisite: " + problem);
    }
  }

  /** A prerequisite that must be on. */
  public static Prerequisite on(String flag) {
    return new Prerequisite(flag, true);
  }
}
