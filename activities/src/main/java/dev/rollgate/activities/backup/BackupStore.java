package dev.rollgate.activities.backup;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.workflows.backup.BackupInfo;
import dev.rollgate.workflows.backup.DrillRecord;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Backup metadata and drill results in Rollgate's PostgreSQL ({@code V4__backup.sql}). */
public class BackupStore {
  static final Table<Record> BACKUP = table(name("rollgate_backup"));
  static final Field<String> ID = field(name("backup_id"), String.class);
  static final Field<String> DATABASE = field(name("database"), String.class);
  static final Field<String> STATUS = field(name("status"), String.class);
  static final Field<String> BUCKET = field(name("bucket"), String.class);
  static final Field<String> KEY = field(name("object_key"), String.class);
  static final Field<Long> SIZE = field(name("size_bytes"), Long.class);
  static final Field<String> SHA = field(name("sha256"), String.class);
  static final Field<String> SERVER_VERSION = field(name("server_version"), String.class);
  static final Field<String> PG_DUMP_VERSION = field(name("pg_dump_version"), String.class);
  static final Field<String> FORMAT = field(name("format"), String.class);
  static final Field<OffsetDateTime> STARTED = field(name("started_at"), OffsetDateTime.class);
  static final Field<OffsetDateTime> FINISHED = field(name("finished_at"), OffsetDateTime.class);
  static final Field<JSONB> ROWS = field(name("row_counts"), SQLDataType.JSONB);
  static final Field<OffsetDateTime> VERIFIED = field(name("verified_at"), OffsetDateTime.class);
  static final Field<String> SCHEDULE = field(name("schedule_id"), String.class);
  static final Field<String> ERROR = field(name("error"), String.class);

  static final Table<Record> DRILL = table(name("rollgate_backup_drill"));
  static final Field<String> DRILL_ID = field(name("drill_id"), String.class);
  static final Field<Boolean> PASSED = field(name("passed"), Boolean.class);
  static final Field<Long> RESTORE_MILLIS = field(name("restore_millis"), Long.class);
  static final Field<JSONB> MISMATCHES = field(name("mismatches"), SQLDataType.JSONB);
  static final Field<OffsetDateTime> AT = field(name("at"), OffsetDateTime.class);

  private static final ObjectMapper JSON = new ObjectMapper();
  private final DSLContext db;

  public BackupStore(DSLContext db) {
    this.db = db;
  }

  public Optional<BackupInfo> find(String backupId) {
    return db.selectFrom(BACKUP).where(ID.eq(backupId)).fetchOptional(BackupStore::info);
  }

  /** A database's backups, newest first. */
  public List<BackupInfo> list(String database) {
    return db.selectFrom(BACKUP)
        .where(DATABASE.eq(database))
        .orderBy(STARTED.desc(), ID.desc())
        .fetch(BackupStore::info);
  }

  /** Starts (or restarts, after a failed attempt) the row of a backup as {@code RUNNING}. */
  public void running(BackupInfo b) {
    db.insertInto(BACKUP)
        .set(ID, b.backupId())
        .set(DATABASE, b.database())
        .set(STATUS, "RUNNING")
        .set(BUCKET, b.bucket())
        .set(KEY, b.objectKey())
        .set(SERVER_VERSION, b.serverVersion())
        .set(PG_DUMP_VERSION, b.pgDumpVersion())
        .set(FORMAT, b.format())
        .set(STARTED, time(b.startedAtMillis()))
        .set(SCHEDULE, b.scheduleId())
        .onConflict(ID)
        .doUpdate()
        .set(STATUS, "RUNNING")
        .set(BUCKET, b.bucket())
        .set(KEY, b.objectKey())
        .set(SERVER_VERSION, b.serverVersion())
        .set(PG_DUMP_VERSION, b.pgDumpVersion())
        .set(FORMAT, b.format())
        .set(STARTED, time(b.startedAtMillis()))
        .set(ERROR, (String) null)
        .execute();
  }

  public void completed(
      String backupId, long size, String sha256, long finishedAtMillis, Map<String, Long> rows) {
    db.update(BACKUP)
        .set(STATUS, "COMPLETED")
        .set(SIZE, size)
        .set(SHA, sha256)
        .set(FINISHED, time(finishedAtMillis))
        .set(ROWS, json(rows))
        .where(ID.eq(backupId))
        .execute();
  }

  /** Marks a backup {@code FAILED} with why (unless it is already deleted). */
  public void failed(String backupId, String error, long atMillis) {
    db.update(BACKUP)
        .set(STATUS, "FAILED")
        .set(ERROR, error)
        .set(FINISHED, DSL.coalesce(FINISHED, DSL.val(time(atMillis))))
        .where(ID.eq(backupId))
        .and(STATUS.ne("DELETED"))
        .execute();
  }

  public void deleted(String backupId) {
    db.update(BACKUP).set(STATUS, "DELETED").where(ID.eq(backupId)).execute();
  }

  /** Records a drill (once per drill id); a passed one sets the backup's {@code verified_at}. */
  public void drill(DrillRecord d) {
    db.transaction(
        tx -> {
          DSLContext t = tx.dsl();
          t.insertInto(DRILL)
              .set(DRILL_ID, d.drillId())
              .set(ID, d.backupId())
              .set(DATABASE, d.database())
              .set(PASSED, d.passed())
              .set(RESTORE_MILLIS, d.restoreMillis())
              .set(MISMATCHES, json(d.mismatches() == null ? List.of() : d.mismatches()))
              .set(AT, time(d.atMillis()))
              .onConflict(DRILL_ID)
              .doNothing()
              .execute();
          if (d.passed()) {
            t.update(BACKUP)
                .set(
                    VERIFIED,
                    DSL.greatest(
                        DSL.coalesce(VERIFIED, DSL.val(time(0))), DSL.val(time(d.atMillis()))))
                .where(ID.eq(d.backupId()))
                .execute();
          }
        });
  }

  /** The drills of a database, newest first. */
  public List<DrillRecord> drills(String database) {
    return db.selectFrom(DRILL)
        .where(DATABASE.eq(database))
        .orderBy(AT.desc())
        .fetch(
            r ->
                new DrillRecord(
                    r.get(DRILL_ID),
                    r.get(ID),
                    r.get(DATABASE),
                    r.get(PASSED),
                    r.get(RESTORE_MILLIS),
                    read(r.get(MISMATCHES), new TypeReference<List<String>>() {}),
                    r.get(AT).toInstant().toEpochMilli()));
  }

  /** The newest {@code verified_at} per database, in epoch milliseconds. */
  public Map<String, Long> lastVerified() {
    Map<String, Long> out = new LinkedHashMap<>();
    db.select(DATABASE, DSL.max(VERIFIED))
        .from(BACKUP)
        .where(VERIFIED.isNotNull())
        .groupBy(DATABASE)
        .forEach(r -> out.put(r.value1(), r.value2().toInstant().toEpochMilli()));
    return out;
  }

  static BackupInfo info(Record r) {
    OffsetDateTime finished = r.get(FINISHED);
    OffsetDateTime verified = r.get(VERIFIED);
    return new BackupInfo(
        r.get(ID),
        r.get(DATABASE),
        r.get(STATUS),
        r.get(BUCKET),
        r.get(KEY),
        r.get(SIZE),
        r.get(SHA),
        r.get(SERVER_VERSION),
        r.get(PG_DUMP_VERSION),
        r.get(FORMAT),
        r.get(STARTED).toInstant().toEpochMilli(),
        finished == null ? 0 : finished.toInstant().toEpochMilli(),
        read(r.get(ROWS), new TypeReference<Map<String, Long>>() {}),
        verified == null ? null : verified.toInstant().toEpochMilli(),
        r.get(SCHEDULE));
  }

  static OffsetDateTime time(long millis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  private static JSONB json(Object value) {
    try {
      return JSONB.valueOf(JSON.writeValueAsString(value == null ? Map.of() : value));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T read(JSONB value, TypeReference<T> type) {
    try {
      return JSON.readValue(value == null ? "{}" : value.data(), type);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable metadata: " + e.getMessage(), e);
    }
  }
}
