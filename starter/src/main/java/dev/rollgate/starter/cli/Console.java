package dev.rollgate.starter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.release.Words;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one output helper of the CLI: tables for people, JSON for scripts ({@code -o json}),
 * percentages, durations and times written the same way everywhere, and the one sentence of an
 * error's root cause.
 */
public final class Console {
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .findAndRegisterModules()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);

  private final PrintWriter out;
  private final Output format;

  public Console(PrintWriter out, Output format) {
    this.out = out;
    this.format = format == null ? Output.table : format;
  }

  public static Console of(CommandSpec spec, ConnectionOptions connection) {
    return new Console(spec.commandLine().getOut(), connection.output);
  }

  public PrintWriter out() {
    return out;
  }

  public boolean json() {
    return format == Output.json;
  }

  public void printJson(Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new CliException("could not write JSON: " + e.getOriginalMessage());
    }
  }

  /** Prints rows under headers, each column as wide as its widest cell. */
  public void table(List<String> headers, List<List<String>> rows) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], cell(row, i).length());
      }
    }
    printRow(headers, widths);
    rows.forEach(r -> printRow(r, widths));
  }

  private void printRow(List<String> row, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String cell = cell(row, i);
      line.append(i == widths.length - 1 ? cell : String.format("%-" + widths[i] + "s  ", cell));
    }
    out.println(line.toString().stripTrailing());
  }

  private static String cell(List<String> row, int i) {
    return i < row.size() && row.get(i) != null ? row.get(i) : "";
  }

  /** {@code 12.5}: see {@link Words#percent}. */
  public static String percent(double p) {
    return Words.percent(p);
  }

  /** A percentage stored in basis points (1/100 %). */
  public static String basisPoints(int bp) {
    return Words.percent(bp / 100.0);
  }

  /** {@code 23h 59m}: see {@link Words#duration}. */
  public static String duration(Duration d) {
    return Words.duration(d);
  }

  /** {@code 2026-11-23T10:00:00Z (in 23h 59m)}. */
  public static String when(Instant at, Instant now) {
    Duration until = Duration.between(now, at);
    return at + (until.isNegative() ? "" : " (in " + Words.duration(until) + ")");
  }

  /** The sentence a person should read of an error: its innermost cause's message. */
  public static String reason(Throwable e) {
    return FailureType.rootMessage(e);
  }
}
