package dev.rollgate.activities.deploy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** A JDK HTTP server that counts requests and fails every {@code failEvery}-th with a 500. */
final class TestHttpServer implements AutoCloseable {
  final AtomicLong requests = new AtomicLong();
  private final HttpServer server;

  TestHttpServer(int failEvery) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          long n = requests.incrementAndGet();
          int status = failEvery > 0 && n % failEvery == 0 ? 500 : 200;
          byte[] body = (status == 200 ? "ok" : "boom").getBytes();
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
