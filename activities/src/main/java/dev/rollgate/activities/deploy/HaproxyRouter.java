package dev.rollgate.activities.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.Router;
import dev.rollgate.workflows.deploy.ServerState;
import dev.rollgate.workflows.deploy.TrafficSplit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HAProxy through its runtime API (an admin-level stats socket), one command per connection. Shares
 * map to weights directly (stable 100 - p, canary p; HAProxy takes 0..256). Weights set at run time
 * are lost on a reload unless a server-state file is configured, so {@link #read} always asks
 * HAProxy ({@code get weight}) and never trusts what was set before.
 */
public class HaproxyRouter implements TrafficRouter {
  private final Duration timeout;

  public HaproxyRouter(Duration timeout) {
    this.timeout = timeout;
  }

  public HaproxyRouter() {
    this(Duration.ofSeconds(5));
  }

  @Override
  public void validate(Router router) {
    String address = router.address();
    checkNames(router);
    try {
      List<String> backends = backends(address);
      if (!backends.contains(router.scope())) {
        throw FailureType.NOT_FOUND.permanent(
            "haproxy at "
                + address
                + " has no backend '"
                + router.scope()
                + "' (backends: "
                + String.join(", ", backends)
                + ")");
      }
      List<String> servers = new ArrayList<>(serversState(address, router.scope()).keySet());
      for (String server : List.of(router.stable(), router.canary())) {
        if (!servers.contains(server)) {
          throw FailureType.NOT_FOUND.permanent(
              "haproxy backend '"
                  + router.scope()
                  + "' has no server '"
                  + server
                  + "' (servers: "
                  + String.join(", ", servers)
                  + ")");
        }
      }
      for (ServerState s : servers(router)) {
        if (!s.serving()) {
          throw FailureType.INVALID_INPUT.permanent(
              "haproxy "
                  + s.describe()
                  + ": "
                  + (s.side().equals("stable")
                      ? "all traffic would go to the canary"
                      : "its share would go to stable")
                  + "; make it serve first (set server "
                  + s.server()
                  + " state ready)");
        }
      }
      // setting a weight to what it is changes nothing, and proves the socket is level admin
      int weight = weight(address, router.scope(), router.stable());
      setWeight(address, router.scope(), router.stable(), weight);
    } catch (IOException e) {
      throw FailureType.UNAVAILABLE.permanent(
          "haproxy runtime API at " + address + " is unreachable: " + FailureType.rootMessage(e));
    }
  }

  @Override
  public TrafficSplit read(Router router) {
    checkNames(router);
    try {
      return readWeights(router);
    } catch (IOException e) {
      throw unavailable(router.address(), e);
    }
  }

  @Override
  public TrafficSplit shift(Router router, TrafficSplit split) {
    checkNames(router);
    String address = router.address();
    try {
      setWeight(address, router.scope(), router.stable(), split.stable());
      setWeight(address, router.scope(), router.canary(), split.canary());
      int stable = weight(address, router.scope(), router.stable());
      int canary = weight(address, router.scope(), router.canary());
      if (stable != split.stable() || canary != split.canary()) {
        throw FailureType.CONFLICT.transientFailure(
            "haproxy backend '"
                + router.scope()
                + "' reads back weights "
                + stable
                + "/"
                + canary
                + " after setting "
                + split,
            null);
      }
      return split;
    } catch (IOException e) {
      throw unavailable(address, e);
    }
  }

  /**
   * Both servers' states from {@code show servers state}: MAINT (forced, inherited, from
   * configuration, resolution or hostname maintenance), DRAIN, DOWN (operational state stopped,
   * e.g. by a health check), else UP.
   */
  @Override
  public List<ServerState> servers(Router router) {
    checkNames(router);
    try {
      Map<String, Map<String, String>> all = serversState(router.address(), router.scope());
      List<ServerState> states = new ArrayList<>();
      for (String[] side :
          new String[][] {{"stable", router.stable()}, {"canary", router.canary()}}) {
        Map<String, String> server = all.get(side[1]);
        if (server == null) {
          throw FailureType.NOT_FOUND.permanent(
              "haproxy backend '" + router.scope() + "' has no server '" + side[1] + "'");
        }
        states.add(new ServerState(side[0], router.scope() + "/" + side[1], state(server)));
      }
      return states;
    } catch (IOException e) {
      throw unavailable(router.address(), e);
    }
  }

  // SRV_ADMF_* of HAProxy's srv_admin_state: FMAINT 0x01, IMAINT 0x02, CMAINT 0x04, FDRAIN 0x08,
  // IDRAIN 0x10, RMAINT 0x20, HMAINT 0x40; srv_op_state 0 is SRV_ST_STOPPED
  private static final int MAINT_FLAGS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
  private static final int DRAIN_FLAGS = 0x08 | 0x10;

  static String state(Map<String, String> server) {
    int admin = number(server.get("srv_admin_state"));
    int op = number(server.get("srv_op_state"));
    if ((admin & MAINT_FLAGS) != 0) {
      return "MAINT";
    }
    if ((admin & DRAIN_FLAGS) != 0) {
      return "DRAIN";
    }
    return op == 0 ? "DOWN" : ServerState.UP;
  }

  private static int number(String value) {
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private TrafficSplit readWeights(Router router) throws IOException {
    int stable = weight(router.address(), router.scope(), router.stable());
    int canary = weight(router.address(), router.scope(), router.canary());
    return TrafficRouter.fromWeights("haproxy backend '" + router.scope() + "'", stable, canary);
  }

  /** The backends HAProxy knows ({@code show backend}). */
  public List<String> backends(String address) throws IOException {
    List<String> names = new ArrayList<>();
    for (String line : command(address, "show backend").split("\n")) {
      String name = line.strip();
      if (!name.isEmpty() && !name.startsWith("#")) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * {@code show servers state <backend>}: each server of the backend by name, with the columns
   * HAProxy reports ({@code srv_addr}, {@code srv_op_state}, {@code srv_admin_state}, {@code
   * srv_uweight}, {@code srv_iweight}, ...).
   */
  public Map<String, Map<String, String>> serversState(String address, String backend)
      throws IOException {
    String answer = command(address, "show servers state " + named("backend", backend));
    String[] lines = answer.split("\n");
    List<String> header = null;
    Map<String, Map<String, String>> servers = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.startsWith("# ")) {
        header = List.of(line.substring(2).strip().split("\\s+"));
      } else if (header != null && !line.isBlank()) {
        String[] values = line.strip().split("\\s+");
        Map<String, String> server = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(header.size(), values.length); i++) {
          server.put(header.get(i), values[i]);
        }
        servers.put(server.get("srv_name"), server);
      }
    }
    if (header == null) {
      throw FailureType.NOT_FOUND.permanent(
          "haproxy: show servers state " + backend + ": " + answer.strip());
    }
    return servers;
  }

  /** The server's current weight ({@code get weight} answers "current (initial N)"). */
  int weight(String address, String backend, String server) throws IOException {
    String answer =
        command(address, "get weight " + named("backend", backend) + "/" + named("server", server))
            .strip();
    String first = answer.split("\\s+", 2)[0];
    try {
      return Integer.parseInt(first);
    } catch (NumberFormatException e) {
      throw FailureType.NOT_FOUND.permanent(
          "haproxy: get weight " + backend + "/" + server + ": " + answer);
    }
  }

  void setWeight(String address, String backend, String server, int weight) throws IOException {
    String answer =
        command(
                address,
                "set weight "
                    + named("backend", backend)
                    + "/"
                    + named("server", server)
                    + " "
                    + weight)
            .strip();
    if (answer.isEmpty()) {
      return;
    }
    if (answer.contains("ermission denied")) {
      throw FailureType.INVALID_INPUT.permanent(
          "haproxy runtime API at "
              + address
              + " refuses 'set weight' ("
              + answer
              + "): the stats socket needs 'level admin'");
    }
    // "No such backend/server." when it is gone; otherwise HAProxy refuses the weight itself
    // (e.g. "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.")
    FailureType type =
        answer.startsWith("No such") ? FailureType.NOT_FOUND : FailureType.INVALID_INPUT;
    throw type.permanent(
        "haproxy: set weight " + backend + "/" + server + " " + weight + ": " + answer);
  }

  /** All three names, before any command: a bad canary name must not leave stable changed. */
  private static void checkNames(Router router) {
    named("backend", router.scope());
    named("server", router.stable());
    named("server", router.canary());
  }

  /** A backend or server name, refused unless HAProxy's own rules allow it. */
  private static String named(String what, String name) {
    String problem = Router.haproxyNameProblem(what, name);
    if (problem != null) {
      throw FailureType.INVALID_INPUT.permanent(problem);
    }
    return name;
  }

  /**
   * Sends one command and reads the whole answer (HAProxy closes the connection after it). A
   * command holding a ';' or a line break (which would be a second command) is refused.
   */
  public String command(String address, String command) throws IOException {
    if (command.indexOf(';') >= 0 || command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
      throw FailureType.INVALID_INPUT.permanent(
          "haproxy: refusing a runtime API command with ';' or a line break in it");
    }
    SocketAddress target = socketAddress(address);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel channel =
            target instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      if (!channel.connect(target)) {
        channel.register(selector, SelectionKey.OP_CONNECT);
        await(selector, deadline, address);
        channel.finishConnect();
      }
      ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
      channel.register(selector, SelectionKey.OP_WRITE);
      while (out.hasRemaining()) {
        await(selector, deadline, address);
        channel.write(out);
      }
      channel.register(selector, SelectionKey.OP_READ);
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      ByteBuffer in = ByteBuffer.allocate(8192);
      while (true) {
        await(selector, deadline, address);
        int n = channel.read(in);
        if (n < 0) {
          return answer.toString(StandardCharsets.UTF_8);
        }
        answer.write(in.array(), 0, in.position());
        in.clear();
      }
    }
  }

  private static void await(Selector selector, long deadline, String address) throws IOException {
    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    if (System.nanoTime() >= deadline || selector.select(left) == 0) {
      throw new SocketTimeoutException("no answer from " + address + " in time");
    }
    selector.selectedKeys().clear();
  }

  static SocketAddress socketAddress(String address) {
    if (address.startsWith("unix:")) {
      return UnixDomainSocketAddress.of(address.substring("unix:".length()));
    }
    if (address.startsWith("/")) {
      return UnixDomainSocketAddress.of(address);
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw FailureType.INVALID_INPUT.permanent(
          "haproxy runtime API address '" + address + "' is neither unix:/path nor host:port");
    }
    try {
      return new InetSocketAddress(
          address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw FailureType.INVALID_INPUT.permanent(
          "haproxy runtime API address '" + address + "' has no valid port");
    }
  }

  private static RuntimeException unavailable(String address, IOException e) {
    return FailureType.UNAVAILABLE.transientFailure(
        "haproxy runtime API at " + address + " is unreachable: " + FailureType.rootMessage(e), e);
  }
}
