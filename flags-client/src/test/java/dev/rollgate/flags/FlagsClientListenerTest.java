package dev.rollgate.flags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link FlagsClient.Listener}: told about snapshot changes and full loads, over a real Redis. */
class FlagsClientListenerTest {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private TestRedis redis;
  private TestRedis.Admin admin;
  private FlagsClient client;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private final FlagsClient.Listener recorder =
      new FlagsClient.Listener() {
        @Override
        public void snapshotChanged(FlagSnapshot before, FlagSnapshot after) {
          calls.add("changed " + before.names().size() + "->" + after.names().size());
        }

        @Override
        public void refreshSucceeded() {
          calls.add("loaded");
        }

        @Override
        public void refreshFailed(RefreshFailure failure) {
          calls.add("failed " + failure.source());
        }
      };

  @BeforeEach
  void startRedis() throws Exception {
    redis = new TestRedis().start();
    admin = redis.admin();
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (client != null) {
      client.close();
    }
    admin.close();
    redis.close();
  }

  private FlagsClient client(Duration pollInterval) {
    client = FlagsClient.builder().redisUri(redis.uri()).pollInterval(pollInterval).build();
    return client;
  }

  @Test
  void firstLoadAndPushesAreReportedAfterTheSwapAndAThrowingListenerIsIgnored() {
    admin.seed(FlagDefinition.newFlag("a").withVersion(1));
    FlagsClient flags = client(Duration.ofMinutes(10));
    flags.addListener(
        new FlagsClient.Listener() {
          @Override
          public void snapshotChanged(FlagSnapshot before, FlagSnapshot after) {
            throw new IllegalStateException("listener bug");
          }
        });
    flags.addListener(recorder);
    assertThat(flags.hasLoaded()).isFalse();

    flags.start();

    assertThat(flags.isStarted()).isTrue();
    assertThat(flags.hasLoaded()).isTrue();
    assertThat(calls).containsExactly("changed 0->1", "loaded");

    admin.write(FlagDefinition.newFlag("b").withVersion(1));
    await().atMost(DEADLINE).until(() -> calls.contains("changed 1->2"));
    assertThat(flags.snapshot().contains("b")).isTrue();

    admin.write(FlagDefinition.newFlag("b").withVersion(1)); // not newer: no swap, no call
    admin.publish(FlagCodec.toJson(new FlagDeletion("a", 2)));
    await().atMost(DEADLINE).until(() -> calls.contains("changed 2->1"));
    assertThat(calls).containsExactly("changed 0->1", "loaded", "changed 1->2", "changed 2->1");

    flags.removeListener(recorder);
    admin.write(FlagDefinition.newFlag("c").withVersion(1));
    await().atMost(DEADLINE).until(() -> flags.snapshot().contains("c"));
    assertThat(calls).hasSize(4);
  }

  @Test
  void aFullLoadFailingOnEverySourceIsReportedAndTheSnapshotKept() throws Exception {
    admin.seed(FlagDefinition.newFlag("a").withVersion(1));
    FlagsClient flags = client(Duration.ofMillis(200));
    flags.addListener(recorder);
    flags.start();

    redis.stop();

    await().atMost(DEADLINE).until(() -> calls.contains("failed redis"));
    assertThat(flags.snapshot().contains("a")).isTrue();
    assertThat(flags.hasLoaded()).isTrue();
  }

  @Test
  void noSourceAtStartIsReportedAndNothingCountsAsLoaded() throws Exception {
    redis.stop();
    FlagsClient flags = client(Duration.ofMinutes(10));
    flags.addListener(recorder);

    flags.start();

    assertThat(flags.hasLoaded()).isFalse();
    assertThat(calls).containsExactly("failed redis");
  }
}
