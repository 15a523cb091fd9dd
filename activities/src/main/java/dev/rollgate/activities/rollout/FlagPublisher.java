package dev.rollgate.activities.rollout;

import dev.rollgate.flags.FlagCodec;
import dev.rollgate.flags.FlagDefinition;
import dev.rollgate.flags.FlagsRedisLayout;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Collection;

/**
 * Puts flag versions into the Redis snapshot hash and tells every {@code flags-client} about them
 * on the invalidation channel. A version never overwrites a newer one, so late or repeated
 * publishes are harmless.
 */
public class FlagPublisher implements AutoCloseable {
  // Compare-and-set on the version inside Redis, then publish the full JSON.
  private static final String PUBLISH_IF_NEWER =
      """
      local current = redis.call('HGET', KEYS[1], ARGV[1])
      if current then
        local ok, decoded = pcall(cjson.decode, current)
        if ok and decoded['version'] and tonumber(decoded['version']) >= tonumber(ARGV[3]) then
          return 0
        end
      end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      if ARGV[4] == '1' then
        redis.call('PUBLISH', KEYS[2], ARGV[2])
      end
      return 1
      """;

  private final StatefulRedisConnection<String, String> connection;

  public FlagPublisher(RedisClient redis) {
    this.connection = redis.connect();
  }

  /**
   * Stores and announces {@code flag}; returns false when Redis already had this or a newer one.
   */
  public boolean publish(FlagDefinition flag) {
    return run(flag, true);
  }

  /** Copies the store's flags into Redis (after a Redis restart), announcing what was missing. */
  public int reseed(Collection<FlagDefinition> flags) {
    int changed = 0;
    for (FlagDefinition flag : flags) {
      if (run(flag, true)) {
        changed++;
      }
    }
    return changed;
  }

  private boolean run(FlagDefinition flag, boolean announce) {
    RedisCommands<String, String> redis = connection.sync();
    Long result =
        redis.eval(
            PUBLISH_IF_NEWER,
            ScriptOutputType.INTEGER,
            new String[] {FlagsRedisLayout.HASH_KEY, FlagsRedisLayout.CHANNEL},
            flag.name(),
            FlagCodec.toJson(flag),
            Long.toString(flag.version()),
            announce ? "1" : "0");
    return result != null && result == 1L;
  }

  @Override
  public void close() {
    connection.close();
  }
}
