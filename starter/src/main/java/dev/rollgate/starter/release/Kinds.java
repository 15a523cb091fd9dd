package dev.rollgate.starter.release;

import java.util.List;
import java.util.Optional;

/** The registry of release kinds the CLI knows; filled by the root command. */
public record Kinds(List<Kind> all) {

  /** The kind whose workflow ids start with {@code kind/}, if any. */
  public Optional<Kind> forWorkflowId(String workflowId) {
    return all.stream().filter(k -> k.owns(workflowId)).findFirst();
  }

  /** The status view for a workflow: its kind's, or the generic one of the release kit. */
  public Kind.StatusView viewFor(String workflowId) {
    return forWorkflowId(workflowId).map(Kind::view).orElse(ReleasePrinter.VIEW);
  }

  public String names() {
    return String.join(", ", all.stream().map(Kind::name).toList());
  }
}
