package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rollgate KIND status TARGET}: the release's status, once or until it ends. */
@Command(name = "status", description = "Show a release: phase, progress, next step, gates.")
public class StatusVerb extends ReleaseCommand {
  @Option(
      names = "--watch",
      description = "refresh every --interval until the release ends (Ctrl-C stops watching)")
  boolean watch;

  @Option(
      names = "--interval",
      defaultValue = "2s",
      description = "refresh interval (${DEFAULT-VALUE})")
  String interval;

  public StatusVerb(Kinds kinds, Kind kind) {
    super(kinds, kind);
  }

  @Override
  public Integer call() {
    String workflowId = workflowId();
    Views.show(
        connection,
        console(),
        kinds.viewFor(workflowId),
        workflowId,
        watch ? Durations.parse("--interval", interval) : null);
    return 0;
  }
}
