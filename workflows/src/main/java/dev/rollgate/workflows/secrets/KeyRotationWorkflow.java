package dev.rollgate.workflows.secrets;

import dev.rollgate.workflows.release.ReleaseControls;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Rotates an OpenBao/Vault transit key on the release kit ({@code secrets/rotate-key/<key>}):
 * rotate the key, rewrap every data key wrapped with it in Rollgate's table ({@code
 * rollgate_data_key}) in batches, wait for approval, then raise the key's minimum decryption
 * version. Until that last step an abort (or a failure) leaves the minimum decryption version where
 * it was, so every data key still decrypts, whichever version wraps it.
 */
@WorkflowInterface
public interface KeyRotationWorkflow extends ReleaseControls {
  /** The kind's name: workflow ids are {@code secrets/rotate-key/<key>}. */
  String KIND = "secrets";

  String TYPE = "KeyRotation";

  @WorkflowMethod(name = TYPE)
  KeyRotationResult run(KeyRotationRequest request);

  @QueryMethod(name = "rotation")
  KeyRotationStatus rotation();
}
