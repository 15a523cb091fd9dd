package dev.rollgate.starter.secrets;

import dev.rollgate.starter.release.Kind;
import dev.rollgate.workflows.secrets.KeyRotationRequest;
import dev.rollgate.workflows.secrets.KeyRotationWorkflow;
import java.util.List;

/** Key rotations, as registered with the CLI: {@code rollgate secrets rotate-key|status|...}. */
public final class SecretsKind {
  public static final Kind KIND =
      new Kind(
          KeyRotationWorkflow.KIND,
          "Secrets in OpenBao/Vault: rotate-key rotates a transit key and rewraps Rollgate's data"
              + " keys (workflow ids secrets/rotate-key/<key>).",
          "rotate-key/KEY",
          RotateKeyCommand::new,
          new KeyRotationStatusView(),
          KeyRotationRequest::targetProblem,
          List.of(RotateKeyCommand::new));

  private SecretsKind() {}
}
