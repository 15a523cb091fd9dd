package dev.rollgate.starter.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rollgate.starter.RollgateCli;
import dev.rollgate.starter.cli.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate flags delete}: what it sends and how it reports each answer of the worker's API.
 * The API is a small JDK HttpServer answering as {@code DELETE /api/flags/{name}} does (the real
 * endpoint and its refusals are tested in the worker module, FlagAdminControllerTest).
 */
class FlagsDeleteCliTest {
  private HttpServer api;
  private String workerUrl;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void start() throws IOException {
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/api/flags", this::handle);
    api.start();
    workerUrl = "http://127.0.0.1:" + api.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    api.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String name = ex.getRequestURI().getPath().substring("/api/flags/".length());
    JsonNode in = Console.JSON.readTree(ex.getRequestBody());
    requests.add(ex.getRequestMethod() + " " + name + " " + in);
    int status = 200;
    Object body =
        switch (name) {
          case "old_banner" -> Map.of("name", name, "version", 4, "deleted", true);
          case "pending_flag" ->
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
                      + " Redis is back");
          case "owned_flag" -> {
            status = 409;
            yield Map.of(
                "error",
                "refused: rollout/owned_flag is running and owns flag 'owned_flag'; abort it (or"
                    + " let it finish) before deleting the flag");
          }
          default -> {
            status = 404;
            yield Map.of("error", "flag '" + name + "' does not exist");
          }
        };
    byte[] bytes = Console.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  private Result cli(String... args) {
    String[] all = new String[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--worker-url=" + workerUrl;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), all);
    return new Result(code, out.toString(), err.toString());
  }

  private static void assertOneLineError(Result r, int exit, String error) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.err().strip().lines()).as("one line on stderr").hasSize(1);
    assertThat(r.err()).contains(error);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void deletePrintsOneLineAndSendsWhoAndWhy() {
    Result r = cli("flags", "delete", "old_banner", "--reason", "code removed", "--by", "bob");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            "deleted flag old_banner (version 4); clients now evaluate it as unknown (their"
                + " default)\n");
    assertThat(requests)
        .containsExactly("DELETE old_banner {\"by\":\"bob\",\"reason\":\"code removed\"}");

    Result json =
        cli("flags", "delete", "old_banner", "--reason", "r", "--by", "bob", "-o", "json");
    assertThat(json.exit()).isZero();
    assertThat(json.out()).contains("\"deleted\" : true");
  }

  @Test
  void aDeletionNotYetPublishedSucceedsWithAWarningLine() {
    Result r = cli("flags", "delete", "pending_flag", "--reason", "gone", "--by", "bob");

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
    assertThat(requests).isEmpty();
  }

  @Test
  void helpSaysWhatDeleteDoesAndWhenItIsRefused() {
    Result r = cli("flags", "delete", "--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("Usage: rollgate flags delete")
        .contains("--reason")
        .contains("Refused (exit 1) while a rollout of the flag runs")
        .contains("evaluates it as unknown");
  }
}
