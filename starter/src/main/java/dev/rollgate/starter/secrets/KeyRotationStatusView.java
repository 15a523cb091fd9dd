package dev.rollgate.starter.secrets;

import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.starter.cli.WorkflowTargets;
import dev.rollgate.starter.release.Kind;
import dev.rollgate.starter.release.ReleasePrinter;
import dev.rollgate.workflows.secrets.KeyRotationStatus;
import dev.rollgate.workflows.secrets.RewrapProgress;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;

/**
 * Status of a key rotation: the {@code rotation} query, with the rewrap's progress from the running
 * slice's last heartbeat when there is one (fresher than the last finished slice).
 */
final class KeyRotationStatusView implements Kind.StatusView {
  static final int BAR = 30;

  @Override
  public Object query(WorkflowStub stub) {
    return stub.query("rotation", KeyRotationStatus.class);
  }

  @Override
  public Object query(TemporalConnection temporal, String workflowId) {
    KeyRotationStatus status =
        temporal
            .client
            .newUntypedWorkflowStub(workflowId)
            .query("rotation", KeyRotationStatus.class);
    RewrapProgress live =
        WorkflowTargets.heartbeat(temporal, workflowId, "RewrapDataKeys", RewrapProgress.class);
    if (live == null || status.release().phase().isTerminal()) {
      return status;
    }
    return new KeyRotationStatus(
        status.release(),
        status.key(),
        status.stage(),
        status.before(),
        status.toVersion(),
        live,
        status.pass(),
        status.rewrapped(),
        status.batchSize());
  }

  @Override
  public void print(PrintWriter out, Object status, Instant now) {
    KeyRotationStatus s = (KeyRotationStatus) status;
    ReleasePrinter.VIEW.print(out, s.release(), now);
    out.printf("Stage      %s%n", s.stage());
    if (s.before() != null) {
      out.printf(
          "Key        %s: v%d%s, minimum decryption version v%d, %,d data keys%n",
          s.key(),
          s.before().latestVersion(),
          s.toVersion() > 0 ? " -> v" + s.toVersion() : "",
          s.before().minDecryptionVersion(),
          s.before().dataKeys());
    }
    if (s.rewrap() != null) {
      out.println("Rewrap     " + line(s.rewrap(), s.toVersion()));
      out.printf(
          Locale.ROOT,
          "Batches    %,d of %d data keys (pass %d); %,d rewrapped in all%n",
          s.rewrap().batches(),
          s.batchSize(),
          s.pass(),
          s.rewrapped());
    }
  }

  /** {@code [#########.....] 41 % 410 of 1,000 data keys: 390 rewrapped to v2, 20 already}. */
  static String line(RewrapProgress p, int version) {
    int filled = (int) Math.floor(p.fraction() * BAR);
    return String.format(
        Locale.ROOT,
        "[%s%s] %d %% %,d of %,d data keys: %,d rewrapped to v%d, %,d already",
        "#".repeat(filled),
        ".".repeat(BAR - filled),
        (int) Math.floor(p.fraction() * 100),
        p.scanned(),
        p.total(),
        p.rewrapped(),
        version,
        p.already());
  }

  @Override
  public boolean ended(Object status) {
    return ((KeyRotationStatus) status).release().phase().isTerminal();
  }
}
