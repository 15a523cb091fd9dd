package dev.rollgate.activities;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one way the server side connects to Redis: commands time out after 2 s and are rejected at
 * once while disconnected (a Redis outage never stalls an activity or an API call), and lettuce
 * reconnects with a short backoff (100 ms growing to 2 s, jittered), so a Redis that comes back is
 * noticed within about 2 s and not after lettuce's default of up to 30 s.
 */
public final class RedisConnections {
  /** Longest wait for one Redis command. */
  public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

  private RedisConnections() {}

  /** Client resources with the reconnect backoff above; shut them down after the client. */
  public static ClientResources resources() {
    return ClientResources.builder()
        .reconnectDelay(
            Delay.equalJitter(
                Duration.ofMillis(100), Duration.ofSeconds(2), 1, TimeUnit.MILLISECONDS))
        .build();
  }

  /** A client on {@code resources} for {@code url} with the timeouts and behaviour above. */
  public static RedisClient client(ClientResources resources, String url) {
    RedisClient client = RedisClient.create(resources, url);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
            .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
            .build());
    return client;
  }
}
