package dev.rollgate.workflows.migration;

/**
 * One verify check's result.
 *
 * @param description the check, in words
 * @param mismatches rows that do not match (0 = passed)
 */
public record VerifyResult(String description, long mismatches) {
  public boolean passed() {
    return mismatches == 0;
  }
}
