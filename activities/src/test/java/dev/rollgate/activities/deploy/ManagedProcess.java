package dev.rollgate.activities.deploy;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server process a test starts (haproxy, moto_server): output to a log under {@code target/},
 * wait for its port, stop it (and its children) when done or when the test fails.
 */
final class ManagedProcess implements AutoCloseable {
  private final Process process;
  final Path log;

  private ManagedProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ManagedProcess start(List<String> command, Path log) throws IOException {
    Files.createDirectories(log.getParent());
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    return new ManagedProcess(process, log);
  }

  /** A local AWS API ({@code moto_server}) on 127.0.0.1:port, ready to take calls. */
  static ManagedProcess motoServer(int port, Path log) throws IOException {
    Path moto =
        dev.rollgate.activities.RequiredTools.require(dev.rollgate.activities.Tools.MOTO_SERVER);
    return start(List.of(moto.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)), log)
        .awaitPort(port, Duration.ofSeconds(30));
  }

  /** Waits until 127.0.0.1:port accepts connections; fails with the log when the process dies. */
  ManagedProcess awaitPort(int port, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "process exited with " + process.exitValue() + ": " + Files.readString(log));
              }
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
              } catch (IOException e) {
                return false;
              }
            });
    return this;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
