package dev.rollgate.activities.migration;

import dev.rollgate.activities.databases.DatabaseRegistry;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.migration.SqlStep;
import dev.rollgate.workflows.migration.StepJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link SqlStep} under the lock discipline (pgroll's: {@code lock_timeout} 500 ms,
 * retries with jittered backoff from 1 s to 1 min inside a budget), so a DDL never queues in front
 * of application traffic: when a session holds a conflicting lock, the attempt times out after
 * {@code lock_timeout}, releases its place in the lock queue, waits and tries again.
 *
 * <ul>
 *   <li>DDL and VALIDATE: one transaction with {@code SET LOCAL lock_timeout} (and {@code
 *       statement_timeout} for DDL); the step's key is inserted into {@code
 *       rollgate.migration_steps} in the same transaction, so a step is applied at most once;
 *   <li>CONCURRENT: outside a transaction; a valid index of the step's name is the step done, an
 *       INVALID one (left by a failed attempt) is dropped before the next attempt; progress from
 *       {@code pg_stat_progress_create_index}.
 * </ul>
 *
 * Long statements are watched from a second thread that heartbeats (with progress); when the
 * heartbeat says the activity was cancelled, the statement is cancelled.
 */
final class StepExecutor {
  private static final Logger log = LoggerFactory.getLogger(StepExecutor.class);
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofMinutes(1);
  static final Duration WATCH_EVERY = Duration.ofSeconds(2);

  /** How a step ended, in words: {@code done}, {@code already done}, with the attempts it took. */
  record Outcome(String words, int attempts) {}

  private StepExecutor() {}

  static Outcome run(DatabaseRegistry.Target target, StepJob job, Consumer<Object> heartbeat) {
    SqlStep step = job.step();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(job.retryBudgetMillis());
    Duration backoff = FIRST_RETRY;
    int attempt = 0;
    while (true) {
      attempt++;
      try (Connection c = target.open()) {
        TargetSql.ensureSchema(c);
        String words =
            step.execution() == SqlStep.Execution.CONCURRENT
                ? concurrent(target, c, job, heartbeat)
                : transactional(c, job, heartbeat);
        return new Outcome(words, attempt);
      } catch (SQLException e) {
        if (!TargetSql.isTimeout(e)) {
          throw TargetSql.failure(step.description(), e);
        }
        long jittered =
            ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2, backoff.toMillis() + 1);
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jittered) > deadline) {
          throw FailureType.CONFLICT.permanent(
              step.description()
                  + ": could not take its lock within "
                  + Duration.ofMillis(job.retryBudgetMillis()).toSeconds()
                  + " s ("
                  + attempt
                  + " attempts of lock_timeout "
                  + job.lockTimeoutMillis()
                  + " ms): "
                  + e.getMessage());
        }
        log.info(
            "{}: attempt {} timed out ({}), retrying in {} ms",
            step.description(),
            attempt,
            e.getMessage(),
            jittered);
        heartbeat.accept("attempt " + attempt + " timed out: " + e.getMessage());
        sleep(jittered);
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff.multipliedBy(2);
      }
    }
  }

  private static String transactional(Connection c, StepJob job, Consumer<Object> heartbeat)
      throws SQLException {
    SqlStep step = job.step();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '" + job.lockTimeoutMillis() + "ms'");
      s.execute(
          "SET LOCAL statement_timeout = '"
              + (step.execution() == SqlStep.Execution.DDL ? job.statementTimeoutMillis() : 0)
              + "ms'");
      if (job.key() != null) {
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO rollgate.migration_steps (key, description) VALUES (?, ?)"
                    + " ON CONFLICT (key) DO NOTHING")) {
          p.setString(1, job.key());
          p.setString(2, step.description());
          if (p.executeUpdate() == 0) {
            c.rollback();
            return "already done";
          }
        }
      }
      watched(s, step.sql(), heartbeat, () -> step.description() + ": running");
      c.commit();
      return "done";
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    }
  }

  private static String concurrent(
      DatabaseRegistry.Target target, Connection c, StepJob job, Consumer<Object> heartbeat)
      throws SQLException {
    SqlStep step = job.step();
    c.setAutoCommit(true);
    boolean dropping = step.sql().stripLeading().toUpperCase(Locale.ROOT).startsWith("DROP");
    try (Statement s = c.createStatement()) {
      s.execute("SET lock_timeout = '" + job.lockTimeoutMillis() + "ms'");
      s.execute("SET statement_timeout = 0");
      String words = "done";
      if (!dropping && step.index() != null) {
        Boolean valid = indexValid(c, step.schema(), step.index());
        if (Boolean.TRUE.equals(valid)) {
          return "already done";
        }
        if (valid != null) {
          // left INVALID by a failed or cancelled attempt: drop it, then build it again
          s.execute(
              "DROP INDEX CONCURRENTLY IF EXISTS " + TargetSql.quoted(step.schema(), step.index()));
          words = "invalid index " + step.index() + " dropped and built again";
        }
      }
      int pid;
      try (ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
        r.next();
        pid = r.getInt(1);
      }
      try (Connection monitor = target.open();
          PreparedStatement p =
              monitor.prepareStatement(
                  "SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total"
                      + " FROM pg_stat_progress_create_index WHERE pid = ?")) {
        p.setInt(1, pid);
        watched(s, step.sql(), heartbeat, () -> indexProgress(p, step));
      }
      return words;
    } finally {
      try (Statement s = c.createStatement()) {
        s.execute("RESET lock_timeout");
      } catch (SQLException ignored) {
        // the connection is closed next
      }
    }
  }

  /** null when no index of that name exists, else whether it is valid. */
  static Boolean indexValid(Connection c, String schema, String index) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(?)")) {
      p.setString(1, TargetSql.quoted(schema, index));
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? r.getBoolean(1) : null;
      }
    }
  }

  /**
   * The progress line of a running {@code CREATE INDEX CONCURRENTLY}, read on a second session:
   * "create index orders_amount_idx: building index: scanning table, blocks 1,200 of 9,800".
   */
  private static String indexProgress(PreparedStatement p, SqlStep step) throws SQLException {
    try (ResultSet r = p.executeQuery()) {
      if (!r.next()) {
        return step.description() + ": waiting";
      }
      long blocksTotal = r.getLong(3);
      long tuplesTotal = r.getLong(5);
      return String.format(
          Locale.ROOT,
          "%s: %s%s",
          step.description(),
          r.getString(1),
          blocksTotal > 0
              ? String.format(Locale.ROOT, ", blocks %,d of %,d", r.getLong(2), blocksTotal)
              : tuplesTotal > 0
                  ? String.format(Locale.ROOT, ", tuples %,d of %,d", r.getLong(4), tuplesTotal)
                  : "");
    }
  }

  /**
   * Runs {@code sql} on {@code s} while a second thread heartbeats every {@link #WATCH_EVERY} with
   * {@code progress}; when a heartbeat throws (the activity was cancelled), the statement is
   * cancelled and the heartbeat's exception is rethrown.
   */
  static void watched(Statement s, String sql, Consumer<Object> heartbeat, ProgressSource progress)
      throws SQLException {
    AtomicReference<RuntimeException> stopped = new AtomicReference<>();
    ScheduledExecutorService watch =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("migration-step-watch").unstarted(r));
    watch.scheduleAtFixedRate(
        () -> {
          String line;
          try {
            line = progress.read();
          } catch (SQLException e) {
            line = "progress unavailable: " + e.getMessage();
          }
          try {
            heartbeat.accept(line);
          } catch (RuntimeException e) {
            stopped.compareAndSet(null, e);
            try {
              s.cancel();
            } catch (SQLException ignored) {
              // the statement ended meanwhile
            }
          }
        },
        WATCH_EVERY.toMillis(),
        WATCH_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    try {
      s.execute(sql);
    } catch (SQLException e) {
      if (stopped.get() != null) {
        throw stopped.get();
      }
      throw e;
    } finally {
      watch.shutdownNow();
    }
    if (stopped.get() != null) {
      throw stopped.get();
    }
  }

  /** What a watched statement reports in its heartbeats. */
  @FunctionalInterface
  interface ProgressSource {
    String read() throws SQLException;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.transientFailure("interrupted", e);
    }
  }
}
