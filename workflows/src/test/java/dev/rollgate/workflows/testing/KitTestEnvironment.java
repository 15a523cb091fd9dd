package dev.rollgate.workflows.testing;

import dev.rollgate.workflows.RollgateSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.testing.TestWorkflowExtension;

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
        .setDoNotStart(true)
        .build();
  }
}
