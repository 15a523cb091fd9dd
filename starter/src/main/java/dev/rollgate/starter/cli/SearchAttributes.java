package dev.rollgate.starter.cli;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import java.util.Map;

/** Reads Rollgate's search attributes from a workflow's execution info. */
public final class SearchAttributes {
  private SearchAttributes() {}

  public static String text(WorkflowExecutionInfo info, String name) {
    Payload payload = info.getSearchAttributes().getIndexedFieldsMap().get(name);
    if (payload == null) {
      return null;
    }
    try {
      return Console.JSON.readTree(payload.getData().toStringUtf8()).asText();
    } catch (java.io.IOException e) {
      return payload.getData().toStringUtf8();
    }
  }

  public static Map<String, Payload> all(WorkflowExecutionInfo info) {
    return info.getSearchAttributes().getIndexedFieldsMap();
  }
}
