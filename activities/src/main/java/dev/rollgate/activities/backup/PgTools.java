package dev.rollgate.activities.backup;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityExecutionContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * What the backup engine asks PostgreSQL and its client tools: versions (a {@code pg_dump} older
 * than the server refuses), row counts per user table, child processes with bounded stderr.
 */
final class PgTools {
  private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?");

  /** Keeps the first part of a child's stderr (what explains a failure), bounded. */
  static final int STDERR_LIMIT = 8 * 1024;

  private PgTools() {}

  /** The server's version, e.g. {@code 18.6}, and major, e.g. {@code 18}. */
  record ServerVersion(String version, int major) {}

  static ServerVersion serverVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "select current_setting('server_version_num')::int,"
                    + " current_setting('server_version')")) {
      r.next();
      int num = r.getInt(1);
      String text = r.getString(2);
      int space = text.indexOf(' ');
      return new ServerVersion(space < 0 ? text : text.substring(0, space), num / 10000);
    }
  }

  /** How long {@code --version} may take before the tool is killed. */
  static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

  /** {@code 18.6} from {@code pg_dump (PostgreSQL) 18.6}. */
  static String toolVersion(Path tool) {
    return toolVersion(tool, VERSION_TIMEOUT);
  }

  /**
   * {@code 18.6} from {@code pg_dump (PostgreSQL) 18.6}; a tool that does not answer within {@code
   * timeout} is killed with its children and refused ({@code INVALID_INPUT}).
   */
  static String toolVersion(Path tool, Duration timeout) {
    List<String> command = List.of(tool.toString(), "--version");
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw FailureType.INVALID_INPUT.permanent("cannot run " + tool + ": " + e.getMessage());
    }
    String out;
    try (Child child = new Child(p, tool + " --version", timeout)) {
      p.getOutputStream().close();
      Drain output = new Drain(p.getInputStream(), "version-output");
      int exit = child.await(() -> {});
      out = output.text();
      if (exit != 0) {
        throw FailureType.INVALID_INPUT.permanent(tool + " --version failed: " + out);
      }
    } catch (Child.TimedOut e) {
      throw FailureType.INVALID_INPUT.permanent(e.getMessage());
    } catch (IOException e) {
      throw FailureType.INVALID_INPUT.permanent("cannot run " + tool + ": " + e.getMessage());
    }
    Matcher m = VERSION.matcher(out.substring(out.indexOf(')') + 1));
    if (!m.find()) {
      throw FailureType.INVALID_INPUT.permanent("cannot read the version of " + tool + ": " + out);
    }
    return m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2);
  }

  /**
   * A child's timeout in an activity: the attempt's start-to-close timeout (the workflow's {@code
   * --dump-timeout}, or the restore's), else {@code fallback}. Past it Temporal has given up on the
   * attempt, so the tool is of no use any more.
   */
  static Duration attemptTimeout(ActivityExecutionContext context, Duration fallback) {
    Duration t = context.getInfo().getStartToCloseTimeout();
    return t == null || t.isZero() || t.isNegative() ? fallback : t;
  }

  static int major(String version) {
    Matcher m = VERSION.matcher(version);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** Non-retryable {@code INVALID_INPUT} when {@code pg_dump} is older than the server. */
  static void requireAtLeast(String toolVersion, ServerVersion server) {
    int major = major(toolVersion);
    if (major < server.major()) {
      throw FailureType.INVALID_INPUT.permanent(
          "pg_dump "
              + toolVersion
              + " is older than the server ("
              + server.version()
              + "): install the PostgreSQL "
              + server.major()
              + " client tools (bin/bootstrap)");
    }
  }

  /**
   * Rows per user table ({@code schema.table}), in the connection's current transaction (so, in a
   * repeatable-read transaction, in its snapshot). Identifiers are quoted by jOOQ.
   */
  static Map<String, Long> countRows(Connection c) {
    DSLContext db = DSL.using(c, SQLDialect.POSTGRES);
    List<String[]> tables = new ArrayList<>();
    db.fetch(
            "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid ="
                + " c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog',"
                + " 'information_schema') and n.nspname not like 'pg\\_%' order by 1, 2")
        .forEach(r -> tables.add(new String[] {r.get(0, String.class), r.get(1, String.class)}));
    Map<String, Long> counts = new TreeMap<>();
    for (String[] t : tables) {
      long n = db.fetchValue(DSL.select(DSL.count()).from(DSL.table(DSL.name(t[0], t[1]))));
      counts.put(t[0] + "." + t[1], n);
    }
    return counts;
  }

  /** Starts a client tool with the target's user and password in its environment only. */
  static Process start(List<String> command, DatabaseRegistry.Target target) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().putAll(target.libpqEnvironment());
    return pb.start();
  }

  /**
   * A running client tool with a deadline. A watchdog kills it and its descendants (a shell
   * wrapper's children keep its pipes open) when the deadline passes, so a reader blocked on its
   * output gets end-of-file and {@link #await} reports the timeout; {@link #close} kills whatever
   * is still running. Children are found while the tool is alive (orphans are re-parented).
   */
  static final class Child implements AutoCloseable {
    /** The tool ran past its deadline and was killed; the message says which and after how long. */
    static final class TimedOut extends Exception {
      TimedOut(String message) {
        super(message, null, false, false);
      }
    }

    private final Process process;
    private final String name;
    private final Duration timeout;
    private final Thread watchdog;
    private volatile boolean killed;

    /**
     * @param name what it is, for the message, e.g. {@code "pg_dump of orders"}
     */
    Child(Process process, String name, Duration timeout) {
      this.process = process;
      this.name = name;
      this.timeout = timeout;
      this.watchdog =
          Thread.ofVirtual()
              .name("watchdog " + name)
              .start(
                  () -> {
                    try {
                      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        killed = true;
                        killTree(process);
                      }
                    } catch (InterruptedException e) {
                      // closed before its deadline
                    }
                  });
    }

    /**
     * Waits for the tool to exit, running {@code tick} every second (a heartbeat).
     *
     * @return its exit code
     * @throws TimedOut when the watchdog killed it at its deadline
     */
    int await(Runnable tick) throws TimedOut {
      try {
        while (!process.waitFor(1, TimeUnit.SECONDS)) {
          tick.run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        killTree(process);
        throw new IllegalStateException("interrupted waiting for " + name, e);
      }
      checkNotKilled();
      return process.exitValue();
    }

    /** Throws {@link TimedOut} when the watchdog killed the tool. */
    void checkNotKilled() throws TimedOut {
      if (killed) {
        throw new TimedOut(
            name
                + " did not finish within "
                + Words.duration(timeout)
                + ": killed it and its child processes");
      }
    }

    boolean killed() {
      return killed;
    }

    @Override
    public void close() {
      watchdog.interrupt();
      if (process.isAlive()) {
        killTree(process);
      }
    }

    /** Kills the tool and every descendant, forcibly, and waits briefly for them to go. */
    static void killTree(Process process) {
      List<ProcessHandle> descendants = process.descendants().toList();
      process.destroyForcibly();
      descendants.forEach(ProcessHandle::destroyForcibly);
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Drains a stream on a daemon thread, keeping its first {@link #STDERR_LIMIT} bytes. */
  static final class Drain {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;

    Drain(InputStream in, String name) {
      thread =
          Thread.ofVirtual()
              .name(name)
              .start(
                  () -> {
                    byte[] buf = new byte[4096];
                    try (in) {
                      int n;
                      while ((n = in.read(buf)) >= 0) {
                        synchronized (kept) {
                          int room = STDERR_LIMIT - kept.size();
                          if (room > 0) {
                            kept.write(buf, 0, Math.min(room, n));
                          }
                        }
                      }
                    } catch (IOException ignored) {
                      // the process is gone
                    }
                  });
    }

    String text() {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8).trim();
      }
    }
  }
}
