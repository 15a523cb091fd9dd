package dev.rollgate.activities.backup;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

  /** {@code 18.6} from {@code pg_dump (PostgreSQL) 18.6}. */
  static String toolVersion(Path tool) {
    try {
      Process p =
          new ProcessBuilder(tool.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw FailureType.INVALID_INPUT.permanent(tool + " --version failed: " + out);
      }
      Matcher m = VERSION.matcher(out.substring(out.indexOf(')') + 1));
      if (!m.find()) {
        throw FailureType.INVALID_INPUT.permanent(
            "cannot read the version of " + tool + ": " + out);
      }
      return m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2);
    } catch (IOException e) {
      throw FailureType.INVALID_INPUT.permanent("cannot run " + tool + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
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
