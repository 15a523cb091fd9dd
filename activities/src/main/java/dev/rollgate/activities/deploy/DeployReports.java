package dev.rollgate.activities.deploy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollgate.activities.Failures;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.StageReport;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/** Stage reports of deployments in PostgreSQL ({@code rollgate_deploy_report}), written once. */
public class DeployReports {
  static final int MAX_ROWS = 2_000;
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final Table<Record> REPORT = table(name("rollgate_deploy_report"));
  private static final Field<Long> ID = field(name("id"), Long.class);
  private static final Field<String> DEPLOYMENT = field(name("deployment"), String.class);
  private static final Field<String> RUN_KEY = field(name("run_key"), String.class);
  private static final Field<String> SERVICE = field(name("service"), String.class);
  private static final Field<String> VERSION = field(name("version"), String.class);
  private static final Field<String> STAGE = field(name("stage"), String.class);
  private static final Field<Integer> CANARY_PERCENT = field(name("canary_percent"), Integer.class);
  private static final Field<String> VERDICT = field(name("verdict"), String.class);
  private static final Field<JSONB> BODY = field(name("report"), SQLDataType.JSONB);
  private static final Field<OffsetDateTime> AT = field(name("at"), OffsetDateTime.class);

  private final DSLContext db;

  public DeployReports(DSLContext db) {
    this.db = db;
  }

  /**
   * Stores {@code report} unless its (runKey, stage) is already there.
   *
   * @return true when written, false when it was already stored
   */
  public boolean save(StageReport report) {
    String problem = problem(report);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    String json;
    try {
      json = JSON.writeValueAsString(report);
    } catch (JsonProcessingException e) {
      throw FailureType.INVALID_INPUT.permanent("stage report is not serialisable: " + e);
    }
    try {
      return db.insertInto(REPORT)
              .columns(
                  DEPLOYMENT, RUN_KEY, SERVICE, VERSION, STAGE, CANARY_PERCENT, VERDICT, BODY, AT)
              .values(
                  report.deployment(),
                  report.runKey(),
                  report.service(),
                  report.version(),
                  report.stage(),
                  report.canaryPercent(),
                  report.verdict(),
                  JSONB.valueOf(json),
                  OffsetDateTime.ofInstant(Instant.ofEpochMilli(report.atMillis()), ZoneOffset.UTC))
              .onConflict(RUN_KEY, STAGE)
              .doNothing()
              .execute()
          > 0;
    } catch (RuntimeException e) {
      throw Failures.translate("saving the stage report", e);
    }
  }

  /**
   * The reports of one service (or one deployment, {@code deploy/<service>}): the newest run first,
   * each run's stages in the order they happened.
   */
  public List<StageReport> list(String serviceOrDeployment) {
    List<StageReport> rows =
        db.select(BODY)
            .from(REPORT)
            .where(SERVICE.eq(serviceOrDeployment).or(DEPLOYMENT.eq(serviceOrDeployment)))
            .orderBy(AT.desc(), ID.desc())
            .limit(MAX_ROWS)
            .fetch(r -> read(r.value1()))
            .reversed();
    Map<String, List<StageReport>> runs = new LinkedHashMap<>();
    for (StageReport r : rows) {
      runs.computeIfAbsent(r.runKey(), k -> new ArrayList<>()).add(r);
    }
    List<List<StageReport>> newestFirst = new ArrayList<>(runs.values());
    java.util.Collections.reverse(newestFirst);
    return newestFirst.stream().flatMap(List::stream).toList();
  }

  private static StageReport read(JSONB json) {
    try {
      return JSON.readValue(json.data(), StageReport.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored stage report does not read back: " + e, e);
    }
  }

  static String problem(StageReport r) {
    if (r == null) {
      return "the stage report is missing";
    }
    for (String[] f :
        new String[][] {
          {"deployment", r.deployment()},
          {"runKey", r.runKey()},
          {"service", r.service()},
          {"version", r.version()},
          {"stage", r.stage()},
          {"verdict", r.verdict()}
        }) {
      if (f[1] == null || f[1].isBlank()) {
        return "the stage report has no " + f[0];
      }
    }
    return null;
  }
}
