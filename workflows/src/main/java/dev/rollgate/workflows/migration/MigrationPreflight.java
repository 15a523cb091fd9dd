package dev.rollgate.workflows.migration;

import java.util.List;

/**
 * What preflight found on the target database.
 *
 * @param serverVersion e.g. {@code 18.1}
 * @param serverMajor e.g. 18
 * @param findings long-running transactions and lock holders on the migration's tables, replica
 *     replay lag: one line each (reported and audited)
 * @param blockers the findings that stop the migration from starting, one line each with the pid
 *     and the transaction's age: a transaction in the target database open longer than the
 *     long-transaction threshold (it would hold back {@code CREATE INDEX CONCURRENTLY} and {@code
 *     VALIDATE}, and queue the DDL), or a lock on one of the plan's tables held in a transaction
 *     open for more than a second (it would make every DDL attempt time out). The workflow waits
 *     for them to go, within the DDL budget, then refuses to start. Empty (never null) when none.
 */
public record MigrationPreflight(
    String serverVersion, int serverMajor, List<String> findings, List<String> blockers) {
  public MigrationPreflight {
    findings = findings == null ? List.of() : List.copyOf(findings);
    blockers = blockers == null ? List.of() : List.copyOf(blockers);
  }
}
