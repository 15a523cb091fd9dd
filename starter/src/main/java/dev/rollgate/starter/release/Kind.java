package dev.rollgate.starter.release;

import dev.rollgate.starter.cli.TemporalConnection;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A release kind as the CLI knows it: its name (also its workflow-id prefix, {@code
 * rollout/<flag>}), what its target is called, its {@code start} command and how its status is read
 * and printed. The generic verbs ({@code status}, {@code describe}, {@code history}, {@code
 * approve}, {@code pause}, {@code resume}, {@code abort}) work for every registered kind without
 * code of their own.
 *
 * @param name e.g. {@code rollout}; the workflow id is {@code name/target}
 * @param description one line for {@code rollgate --help}
 * @param targetLabel what the target is, e.g. {@code FLAG}
 * @param startCommand makes the picocli command of {@code rollgate NAME start}
 * @param view how its status is queried and printed
 * @param targetProblem null when a target name is valid, else why not (one line)
 * @param commands the kind's further commands in its group (picocli objects), e.g. {@code rollgate
 *     backup list}; empty for most kinds
 * @param aliases other names of its command group ({@code migrate} for {@code migration}); empty
 *     for most kinds
 */
public record Kind(
    String name,
    String description,
    String targetLabel,
    Supplier<Object> startCommand,
    StatusView view,
    Function<String, String> targetProblem,
    List<Supplier<Object>> commands,
    List<String> aliases) {

  /** A kind with further commands and no alias. */
  public Kind(
      String name,
      String description,
      String targetLabel,
      Supplier<Object> startCommand,
      StatusView view,
      Function<String, String> targetProblem,
      List<Supplier<Object>> commands) {
    this(name, description, targetLabel, startCommand, view, targetProblem, commands, List.of());
  }

  /** A kind with only the generic verbs and its {@code start}. */
  public Kind(
      String name,
      String description,
      String targetLabel,
      Supplier<Object> startCommand,
      StatusView view,
      Function<String, String> targetProblem) {
    this(name, description, targetLabel, startCommand, view, targetProblem, List.of());
  }

  public String workflowId(String target) {
    return name + "/" + target;
  }

  public boolean owns(String workflowId) {
    return workflowId != null && workflowId.startsWith(name + "/");
  }

  /** How a kind's status is read and shown. */
  public interface StatusView {
    /** Queries a running or finished workflow; the result is also the JSON output. */
    Object query(WorkflowStub stub);

    /**
     * Queries with the whole connection, for views that also read what Temporal knows beside the
     * workflow (e.g. a pending activity's heartbeat); by default {@link #query(WorkflowStub)}.
     */
    default Object query(TemporalConnection temporal, String workflowId) {
      return query(temporal.client.newUntypedWorkflowStub(workflowId));
    }

    /** Prints it for people. */
    void print(PrintWriter out, Object status, Instant now);

    /** Whether the status says the release has ended (for {@code status --watch}). */
    boolean ended(Object status);
  }
}
