package dev.rollgate.workflows.testing.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.CheckReport;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.EnvironmentActivities;
import dev.rollgate.workflows.deploy.SmokeCheck;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** ECS sides in memory: what was prepared and retired; smoke checks pass unless told not to. */
public final class FakeEnvironments implements EnvironmentActivities {
  public final List<String> prepared = new CopyOnWriteArrayList<>();
  public final List<String> retired = new CopyOnWriteArrayList<>();
  public final AtomicBoolean smokePasses = new AtomicBoolean(true);

  /** Prepares and retires in the order they took effect. */
  public final List<String> changes = new CopyOnWriteArrayList<>();

  /** Arm it to make the next prepare slow: the idle side comes up only once released. */
  public final SlowCall slowPrepare = new SlowCall();

  /** Arm it to make the next retire slow: the side goes down only once released. */
  public final SlowCall slowRetire = new SlowCall();

  /** Hosts the fake worker refuses to call (its allow-list leaves them out). */
  public final List<String> refusedHosts = new CopyOnWriteArrayList<>();

  @Override
  public void validate(Environment environment) {}

  @Override
  public void checkUrls(List<String> urls) {
    for (String url : urls) {
      if (refusedHosts.contains(URI.create(url).getHost())) {
        throw FailureType.INVALID_INPUT.permanent(
            "deployment URL " + url + " is refused: not in rollgate.deploy.allowed-hosts");
      }
    }
  }

  @Override
  public String prepare(Environment environment, String version, String key) {
    slowPrepare.pass();
    prepared.add(environment.idleService() + "@" + version);
    changes.add("up " + environment.idleService());
    return "arn:aws:ecs:us-east-1:000000000000:task-definition/" + environment.taskFamily() + ":2";
  }

  @Override
  public boolean awaitStable(Environment environment, String service, Duration timeout) {
    return true;
  }

  @Override
  public CheckReport health(String url, int healthyAfter, Duration timeout) {
    return new CheckReport(true, List.of("GET " + url + " -> 200, " + healthyAfter + " in a row"));
  }

  @Override
  public CheckReport smoke(String baseUrl, List<SmokeCheck> checks) {
    boolean ok = smokePasses.get();
    return new CheckReport(
        ok,
        checks.stream()
            .map(
                c ->
                    "GET "
                        + c.path()
                        + " -> "
                        + (ok ? c.expectStatus() : 500)
                        + " (expected "
                        + c.expectStatus()
                        + ")"
                        + (ok ? " ok" : " FAILED"))
            .toList());
  }

  @Override
  public void retire(Environment environment, String service) {
    slowRetire.pass();
    retired.add(service);
    changes.add("down " + service);
  }
}
