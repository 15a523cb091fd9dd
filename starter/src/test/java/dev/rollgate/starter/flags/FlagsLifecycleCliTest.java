package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags set --type}, the type and age in {@code flags get}, and {@code flags
 * stale}: what the CLI sends and prints. The API is a small JDK HttpServer answering as the
 * worker's does (the real endpoints are tested in the worker module, FlagAdminControllerTest).
 */
class FlagsLifecycleCliTest {
  /** 2026-11-26T10:30:00Z. */
  private static final long LAST_CHANGE = 1_795_689_000_000L;

  private FakeWorkerApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeWorkerApi(FlagsLifecycleCliTest::answer);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static Map<String, Object> flag(String name, String type) {
    return new java.util.LinkedHashMap<>(
        Map.of(
            "name",
            name,
            "version",
            3,
            "enabled",
            true,
            "killed",
            false,
            "rolloutBasisPoints",
            10_000,
            "updatedBy",
            "bob",
            "type",
            type));
  }

  private static FakeWorkerApi.Answer answer(String method, String path, JsonNode in) {
    if (path.equals("/api/flags?stale")) {
      return new FakeWorkerApi.Answer(
          200,
          List.of(
              Map.of(
                  "name",
                  "old_checkout",
                  "type",
                  "release",
                  "createdAtMillis",
                  0,
                  "ageDays",
                  52,
                  "lifetimeDays",
                  40,
                  "updatedAtMillis",
                  LAST_CHANGE,
                  "updatedBy",
                  "bob")));
    }
    String name = path.substring("/api/flags/".length());
    if (method.equals("PUT")) {
      return new FakeWorkerApi.Answer(200, flag(name, in.path("type").asText("release")));
    }
    Map<String, Object> f = flag(name, name.equals("ops_flag") ? "operational" : "kill-switch");
    f.put("ageDays", 9);
    if (name.equals("ops_flag")) {
      f.put("lifetimeDays", 7);
    }
    f.put("stale", name.equals("ops_flag"));
    return new FakeWorkerApi.Answer(200, f);
  }

  @Test
  void setSendsTheTypeAndPrintsIt() {
    FakeWorkerApi.Result r =
        api.cli("flags", "set", "ops_flag", "--type", "Operational", "--by", "alice");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(api.requests).singleElement().asString().contains("\"type\":\"operational\"");
    assertThat(r.out()).contains("Type       operational (expected lifetime 7 days)\n");
  }

  @Test
  void anUnknownTypeIsBadUsageAndNothingIsSent() {
    FakeWorkerApi.Result r =
        api.cli("flags", "set", "ops_flag", "--type", "temporary", "--by", "alice");

    assertThat(r.exit()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo(
            "rollgate: --type: flag type 'temporary' does not exist; use one of release,"
                + " experiment, operational, kill-switch, permission");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void getShowsTheTypeAgeAndLifetime() {
    assertThat(api.cli("flags", "get", "ops_flag").out())
        .contains(
            "Type       operational (age 9 days; expected lifetime 7 days) STALE: remove it from"
                + " the code and delete it, or change its type\n");
    assertThat(api.cli("flags", "get", "switch_flag").out())
        .contains("Type       kill-switch (age 9 days; permanent)\n");
  }

  @Test
  void staleListsNameTypeAgeLifetimeLastChangeAndWho() {
    FakeWorkerApi.Result r = api.cli("flags", "stale");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines())
        .containsExactly(
            "FLAG                              TYPE               AGE   LIFETIME  LAST CHANGED"
                + " (UTC)  BY",
            "old_checkout                      release        52 days    40 days  2026-11-26"
                + " 10:30    bob");
  }

  @Test
  void helpSaysWhatStaleMeansAndWhatTypesThereAre() {
    FakeWorkerApi.Result stale = api.cli("flags", "stale", "--help");
    assertThat(stale.exit()).as(stale.toString()).isZero();
    assertThat(stale.out().replaceAll("\\s+", " "))
        .contains("older than their type's expected lifetime")
        .contains("operational 7 days");
    assertThat(api.cli("flags", "set", "--help").out().replaceAll("\\s+", " "))
        .contains("--type=TYPE")
        .contains("kill-switch and permission permanent");
    assertThat(api.requests).isEmpty();
  }
}
