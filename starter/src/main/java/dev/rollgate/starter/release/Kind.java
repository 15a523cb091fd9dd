package dev.rollgate.starter.release;

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
 * @param moreCommands the kind's own verbs besides {@code start} (e.g. {@code deploy report}), each
 *     a picocli command with its name
 */
public record Kind(
    String name,
    String description,
    String targetLabel,
    Supplier<Object> startCommand,
    StatusView view,
    Function<String, String> targetProblem,
    List<Supplier<Object>> moreCommands) {

  /** A kind whose only verb of its own is {@code start}. */
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

    /** Prints it for people. */
    void print(PrintWriter out, Object status, Instant now);

    /** Whether the status says the release has ended (for {@code status --watch}). */
    boolean ended(Object status);
  }
}
