package dev.rollgate.workflows.release;

import dev.rollgate.workflows.RollgateSearchAttributes;
import io.temporal.workflow.Workflow;

/**
 * Publishes a release's search attributes and Web UI details: the one place that does. Search
 * attributes are upserted only when a value changed (each upsert is a history event); the details
 * text is refreshed on every call (it costs no event).
 */
final class Visibility {
  private final String kind;
  private final String target;
  private Phase published;
  private double publishedProgress = Double.NaN;

  Visibility(String kind, String target) {
    this.kind = kind;
    this.target = target;
  }

  /**
   * @param everyCall upsert even when nothing changed: how rollouts started before the release kit
   *     recorded their history, kept so those histories replay
   */
  void publish(Phase phase, double progress, String details, boolean everyCall) {
    if (everyCall || phase != published || Double.compare(progress, publishedProgress) != 0) {
      Workflow.upsertTypedSearchAttributes(
          RollgateSearchAttributes.KIND.valueSet(kind),
          RollgateSearchAttributes.TARGET.valueSet(target),
          RollgateSearchAttributes.PHASE.valueSet(phase.name()),
          RollgateSearchAttributes.PROGRESS.valueSet(progress));
      published = phase;
      publishedProgress = progress;
    }
    Workflow.setCurrentDetails(details);
  }
}
