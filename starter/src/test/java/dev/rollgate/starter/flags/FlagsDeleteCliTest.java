package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags delete}: what it sends and how it reports each answer of the worker's API.
 * The API is a small JDK HttpServer answering as {@code DELETE /api/flags/{name}} does (the real
 * endpoint and its refusals are tested in the worker module, FlagAdminControllerTest).
 */
class FlagsDeleteCliTest {
  private FakeWorkerApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeWorkerApi(FlagsDeleteCliTest::answer);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static FakeWorkerApi.Answer answer(String method, String path, JsonNode in) {
    String name = path.substring("/api/flags/".length());
    return switch (name) {
      case "old_banner" ->
          new FakeWorkerApi.Answer(200, Map.of("name", name, "version", 4, "deleted", true));
      case "pending_flag" ->
          new FakeWorkerApi.Answer(
              200,
              Map.of(
                  "name",
                  name,
                  "version",
                  2,
                  "deleted",
                  true,
                  "published",
                  false,
                  "warning",
                  "deleted (version 2), but Redis is unreachable: clients drop the flag as soon as"
                      + " Redis is back"));
      case "owned_flag" ->
          new FakeWorkerApi.Answer(
              409,
              Map.of(
                  "error",
                  "refused: rollout/owned_flag is running and owns flag 'owned_flag'; abort it (or"
                      + " let it finish) before deleting the flag"));
      default ->
          new FakeWorkerApi.Answer(404, Map.of("error", "flag '" + name + "' does not exist"));
    };
  }

  private FakeWorkerApi.Result cli(String... args) {
    return api.cli(args);
  }

  private static void assertOneLineError(FakeWorkerApi.Result r, int exit, String error) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.err().strip().lines()).as("one line on stderr").hasSize(1);
    assertThat(r.err()).contains(error);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void deletePrintsOneLineAndSendsWhoAndWhy() {
    FakeWorkerApi.Result r =
        cli("flags", "delete", "old_banner", "--reason", "code removed", "--by", "bob");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            "deleted flag old_banner (version 4); clients now evaluate it as unknown (their"
                + " default)\n");
    assertThat(api.requests)
        .containsExactly(
            "DELETE /api/flags/old_banner {\"by\":\"bob\",\"reason\":\"code removed\"}");

    FakeWorkerApi.Result json =
        cli("flags", "delete", "old_banner", "--reason", "r", "--by", "bob", "-o", "json");
    assertThat(json.exit()).isZero();
    assertThat(json.out()).contains("\"deleted\" : true");
  }

  @Test
  void aDeletionNotYetPublishedSucceedsWithAWarningLine() {
    FakeWorkerApi.Result r =
        cli("flags", "delete", "pending_flag", "--reason", "gone", "--by", "bob");

    assertThat(r.exit()).isZero();
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "rollgate: warning: deleted (version 2), but Redis is unreachable: clients drop the"
                + " flag as soon as Redis is back");
  }

  @Test
  void anOwnedFlagIsRefusedWithExit1AndAnUnknownOneIsExit2() {
    assertOneLineError(
        cli("flags", "delete", "owned_flag", "--reason", "x", "--by", "bob"),
        1,
        "refused: rollout/owned_flag is running and owns flag 'owned_flag'");
    assertOneLineError(
        cli("flags", "delete", "no_such_flag", "--reason", "x", "--by", "bob"),
        2,
        "flag 'no_such_flag' does not exist");
  }

  @Test
  void badInputIsExit2AndNothingIsSent() {
    assertOneLineError(cli("flags", "delete", "old_banner", "--by", "bob"), 2, "--reason");
    assertOneLineError(
        cli("flags", "delete", "old_banner", "--reason", " ", "--by", "bob"),
        2,
        "--reason must not be blank");
    assertOneLineError(
        cli("flags", "delete", "bad/name", "--reason", "x", "--by", "bob"),
        2,
        "flag name may contain only");
    assertOneLineError(
        cli("flags", "delete", "old_banner", "--reason", "r".repeat(1001), "--by", "bob"),
        2,
        "--reason is 1001 characters long, at most 1000 are accepted");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void helpSaysWhatDeleteDoesAndWhenItIsRefused() {
    FakeWorkerApi.Result r = cli("flags", "delete", "--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("Usage: rollgate flags delete")
        .contains("--reason")
        .contains("Refused (exit 1) while a rollout of the flag runs")
        .contains("evaluates it as unknown");
  }
}
