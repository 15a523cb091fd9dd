package dev.rollgate.activities.audit;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.rollgate.activities.Failures;
import dev.rollgate.workflows.audit.AuditActivities;
import dev.rollgate.workflows.audit.AuditEntry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** Writes and reads the append-only audit log in PostgreSQL. */
public class AuditActivitiesImpl implements AuditActivities {
  static final Table<Record> AUDIT = table(name("rollgate_audit"));
  static final Field<String> KEY = field(name("idempotency_key"), String.class);
  static final Field<OffsetDateTime> AT = field(name("at"), OffsetDateTime.class);
  static final Field<String> ACTOR = field(name("actor"), String.class);
  static final Field<String> ACTION = field(name("action"), String.class);
  static final Field<String> WORKFLOW_ID = field(name("workflow_id"), String.class);
  static final Field<String> DETAILS = field(name("details"), String.class);
  static final Field<Long> ID = field(name("id"), Long.class);

  private final DSLContext db;
  private final MeterRegistry metrics;

  public AuditActivitiesImpl(DSLContext db, MeterRegistry metrics) {
    this.db = db;
    this.metrics = metrics;
  }

  @Override
  public void record(AuditEntry entry) {
    try {
      if (append(db, entry) > 0) {
        metrics.counter("rollgate.audit.entries", "action", entry.action()).increment();
      }
    } catch (RuntimeException e) {
      throw Failures.translate("writing the audit log", e);
    }
  }

  /**
   * Inserts {@code entry} unless its idempotency key is already there; usable in a transaction.
   *
   * @return 1 when written, 0 when the key was already there
   */
  public static int append(DSLContext ctx, AuditEntry entry) {
    return ctx.insertInto(AUDIT)
        .columns(KEY, AT, ACTOR, ACTION, WORKFLOW_ID, DETAILS)
        .values(
            entry.idempotencyKey(),
            OffsetDateTime.ofInstant(Instant.ofEpochMilli(entry.atMillis()), ZoneOffset.UTC),
            entry.actor(),
            entry.action(),
            entry.workflowId(),
            entry.details())
        .onConflict(KEY)
        .doNothing()
        .execute();
  }

  /**
   * The latest {@code limit} entries of one workflow, oldest first, in the order they happened
   * (entries are written asynchronously, so insertion order is not that order).
   */
  public List<AuditEntry> forWorkflow(String workflowId, int limit) {
    return db.select(KEY, WORKFLOW_ID, ACTOR, ACTION, DETAILS, AT)
        .from(AUDIT)
        .where(WORKFLOW_ID.eq(workflowId))
        .orderBy(AT.desc(), ID.desc())
        .limit(limit)
        .fetch(
            r ->
                new AuditEntry(
                    r.get(KEY),
                    r.get(WORKFLOW_ID),
                    r.get(ACTOR),
                    r.get(ACTION),
                    r.get(DETAILS),
                    r.get(AT).toInstant().toEpochMilli()))
        .reversed();
  }
}
