package dev.rollgate.workflows.migration.plan;

import java.util.List;

/** A plan {@link MigrationPlanner} refuses: every problem found, one sentence each. */
public class InvalidPlanException extends IllegalArgumentException {
  private final List<String> problems;

  public InvalidPlanException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem, one sentence each, in plan order. */
  public List<String> problems() {
    return problems;
  }
}
