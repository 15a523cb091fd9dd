package dev.rollgate.starter.flags;

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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small JDK HttpServer standing in for the worker's {@code /api/flags} in the CLI's tests (the
 * real endpoints are tested in the worker module, FlagAdminControllerTest): it records each request
 * as {@code METHOD PATH BODY} and answers what {@link Answers} returns; {@link #cli} runs the CLI
 * against it.
 */
final class FakeWorkerApi implements AutoCloseable {

  /** The status and JSON body to answer for a request. */
  record Answer(int status, Object body) {}

  /** Decides the answer from the request's method, path and JSON body. */
  interface Answers {
    Answer answer(String method, String path, JsonNode body) throws IOException;
  }

  /** What the CLI exited with and printed. */
  record Result(int exit, String out, String err) {}

  final List<String> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final String workerUrl;

  FakeWorkerApi(Answers answers) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/flags", ex -> handle(ex, answers));
    server.start();
    workerUrl = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex, Answers answers) throws IOException {
    JsonNode in = Console.JSON.readTree(ex.getRequestBody());
    String query = ex.getRequestURI().getRawQuery();
    String path = ex.getRequestURI().getPath() + (query == null ? "" : "?" + query);
    requests.add(ex.getRequestMethod() + " " + path + " " + in);
    Answer answer = answers.answer(ex.getRequestMethod(), path, in);
    byte[] bytes = Console.JSON.writeValueAsString(answer.body()).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(answer.status(), bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  /** Runs {@code rollgate ARGS --worker-url=<this server>}. */
  Result cli(String... args) {
    String[] all = new String[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--worker-url=" + workerUrl;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RollgateCli.run(new PrintWriter(out), new PrintWriter(err), all);
    return new Result(code, out.toString(), err.toString());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
