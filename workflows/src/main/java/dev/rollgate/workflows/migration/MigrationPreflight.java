package dev.rollgate.workflows.migration;

import java.util.List;

/**
 * What preflight found on the target database.
 *
 * @param serverVersion e.g. {@code 18.1}
 * @param serverMajor e.g. 18
 * @param findings long-running transactions and lock holders on the migration's tables, replica
 *     replay lag: one line each (reported and audited; they do not stop the migration, the lock
 *     discipline does not queue behind them)
 */
public record MigrationPreflight(String serverVersion, int serverMajor, List<String> findings) {
  public MigrationPreflight {
    findings = findings == null ? List.of() : List.copyOf(findings);
  }
}
