package dev.rollgate.starter.secrets;

import dev.rollgate.starter.backup.Starts;
import dev.rollgate.starter.cli.ActorOptions;
import dev.rollgate.starter.cli.CliException;
import dev.rollgate.starter.cli.ConnectionOptions;
import dev.rollgate.starter.cli.Console;
import dev.rollgate.starter.cli.TemporalConnection;
import dev.rollgate.workflows.secrets.KeyRotationRequest;
import dev.rollgate.workflows.secrets.KeyRotationWorkflow;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollgate secrets rotate-key [--key K]}: starts secrets/rotate-key/K. */
@Command(
    name = "rotate-key",
    description = {
      "Rotate an OpenBao/Vault transit key as a workflow (id secrets/rotate-key/<key>): rotate"
          + " the key, rewrap every data key in Rollgate's table with the new version (in batches,"
          + " resumable; progress in status), wait for --approvals, then raise the key's minimum"
          + " decryption version.",
      "Until that last step, abort (or a failure) leaves the minimum decryption version where it"
          + " was: data keys wrapped with the old or the new version all decrypt; the rotation"
          + " itself is kept. Once the raise starts, abort and pause are refused.",
      "  rollgate secrets rotate-key --key rollgate --approvals 1 --batch-size 100",
      "  rollgate secrets status rotate-key/rollgate",
      "  rollgate approve secrets/rotate-key/rollgate --by bob"
    })
class RotateKeyCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin ActorOptions actor;
  @Spec CommandSpec spec;

  @Option(
      names = "--key",
      defaultValue = KeyRotationRequest.DEFAULT_KEY,
      description = "the transit key (default: ${DEFAULT-VALUE}, the payload codec's)")
  String key;

  @Option(
      names = "--approvals",
      defaultValue = "" + KeyRotationRequest.DEFAULT_APPROVALS,
      description =
          "approvals (not the initiator's) before the minimum decryption version is raised,"
              + " 1.."
              + KeyRotationRequest.MAX_APPROVALS
              + " (default: ${DEFAULT-VALUE})")
  int approvals;

  @Option(
      names = "--batch-size",
      defaultValue = "" + KeyRotationRequest.DEFAULT_BATCH_SIZE,
      description =
          "data keys rewrapped per batch, 1.."
              + KeyRotationRequest.MAX_BATCH_SIZE
              + " (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--reason", description = "why, for the audit log")
  String reason;

  KeyRotationRequest request() {
    KeyRotationRequest request =
        KeyRotationRequest.of(key, actor.by())
            .withApprovals(approvals)
            .withBatchSize(batchSize)
            .withReason(reason);
    String problem = request.problem();
    if (problem != null) {
      throw CliException.usage(problem);
    }
    return request;
  }

  @Override
  public Integer call() {
    KeyRotationRequest request = request();
    String id = KeyRotationRequest.workflowId(request.key());
    Console console = Console.of(spec, connection);
    try (TemporalConnection temporal = TemporalConnection.open(connection)) {
      Starts.start(
          temporal,
          KeyRotationWorkflow.TYPE,
          id,
          KeyRotationWorkflow.KIND,
          KeyRotationRequest.target(request.key()),
          "Rotation of transit key " + request.key() + " by " + request.initiator(),
          true,
          request);
      if (console.json()) {
        console.printJson(Map.of("workflowId", id));
      } else {
        console
            .out()
            .println(
                "started "
                    + id
                    + " (rollgate secrets status "
                    + KeyRotationRequest.target(request.key())
                    + " --watch)");
      }
      return 0;
    }
  }
}
