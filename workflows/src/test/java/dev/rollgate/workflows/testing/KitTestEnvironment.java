package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.RollgateSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.WorkerOptions;

/**
 * The time-skipping test environment every kind's workflow tests use: the given workflow types,
 * Rollgate's search attributes registered as the dev stack registers them, not started until the
 * test has registered its activities ({@code env.start()}).
 */
public final class KitTestEnvironment {
  private KitTestEnvironment() {}

  public static TestWorkflowExtension extension(Class<?>... workflowTypes) {
    return TestWorkflowExtension.newBuilder()
        .registerWorkflowImplementationTypes(workflowTypes)
        .registerSearchAttribute(
            RollgateSearchAttributes.KIND.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        .registerSearchAttribute(
            RollgateSearchAttributes.TARGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        .registerSearchAttribute(
            RollgateSearchAttributes.PHASE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        .registerSearchAttribute(
            RollgateSearchAttributes.PROGRESS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE)
        // a cold first workflow task on a busy 2-core machine can take over the default 1 s
        .setWorkerOptions(
            WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(10_000).build())
        .setDoNotStart(true)
        .build();
  }
}
