package dev.rollgate.workflows.migration;

import dev.rollgate.workflows.release.KindVerb;
import dev.rollgate.workflows.release.Release;
import java.util.function.BooleanSupplier;

/**
 * The backfill's batch target and the {@code resize} verb that changes it, as an update ({@code
 * Resize}) and as a signal ({@code resize}): one code path, checked and audited by the kit.
 */
final class BatchTarget implements KindVerb<Resize> {
  /** The signal's name, also the audit action ({@code resize}, {@code resize-refused}). */
  static final String VERB = "resize";

  /** The {@code Workflow.getVersion} change id of the {@code resize} signal. */
  static final String SIGNAL_CHANGE = "migration-resize-signal";

  static final String EXAMPLE =
      "{\"by\": \"you\", \"batchTargetMillis\": 200, \"reason\": \"...\"}";

  private final Release release;
  private final BooleanSupplier backfillAhead;
  private long millis;

  /**
   * @param backfillAhead whether the backfill has not finished yet (a resize is refused after)
   */
  BatchTarget(Release release, long millis, BooleanSupplier backfillAhead) {
    this.release = release;
    this.millis = millis;
    this.backfillAhead = backfillAhead;
    release.verb(VERB, Resize.class, EXAMPLE, SIGNAL_CHANGE, this);
  }

  long millis() {
    return millis;
  }

  @Override
  public String by(Resize resize) {
    return resize.by();
  }

  @Override
  public String refuse(Resize resize) {
    if (resize == null || resize.by() == null || resize.by().isBlank()) {
      return "a resize needs who asks (by)";
    }
    if (!backfillAhead.getAsBoolean()) {
      return "the backfill is over: there is nothing to resize";
    }
    return MigrationRequest.batchTargetProblem(resize.batchTargetMillis());
  }

  @Override
  public String apply(Resize resize) {
    long before = millis;
    millis = resize.batchTargetMillis();
    String answer = "batch target " + before + " ms -> " + millis + " ms from the next slice";
    release.record(
        resize.by().trim(),
        VERB,
        answer
            + (resize.reason() == null || resize.reason().isBlank() ? "" : ": " + resize.reason()));
    return answer;
  }
}
