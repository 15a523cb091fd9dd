package dev.rollgate.activities.deploy;

import dev.rollgate.activities.aws.AwsFailures;
import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.deploy.CheckReport;
import dev.rollgate.workflows.deploy.Environment;
import dev.rollgate.workflows.deploy.EnvironmentActivities;
import dev.rollgate.workflows.deploy.SmokeCheck;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceNotActiveException;
import software.amazon.awssdk.services.ecs.model.ServiceNotFoundException;
import software.amazon.awssdk.services.ecs.model.SortOrder;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

/**
 * The sides of a blue-green deployment on ECS, and our own HTTP checks of a side.
 *
 * <p>"Stable" is what the SDK's {@code ServicesStable} waiter means: the service has one deployment
 * and runs as many tasks as it wants (or its primary deployment's rollout state is {@code
 * COMPLETED}); a {@code FAILED} rollout is not stable. The local AWS API (moto 5.2) reports a
 * service's running count equal to its desired count as soon as it is updated, keeps one deployment
 * (it creates no second one, and its single deployment stays {@code IN_PROGRESS} with the first
 * task definition), and runs no tasks: on moto a service is "stable" at once, and whether the new
 * side works is decided by {@link #health} and {@link #smoke}, which is what a real user wants too.
 */
public class EnvironmentActivitiesImpl implements EnvironmentActivities {
  /**
   * How many of the family's newest revisions {@link #prepare} looks through before registering.
   */
  private static final int REVISIONS_TO_REUSE = 5;

  private final AllowedHosts allowedHosts;
  private final EcsClient ecs;
  private final HttpClient http;
  private final Duration pollInterval;
  private final Duration requestTimeout;

  /**
   * @param ecs the ECS client, or null on a worker without AWS settings (then only {@link #health}
   *     and {@link #smoke} work)
   * @param pollInterval between two looks at a service or a health URL
   * @param requestTimeout of one health or smoke request
   * @param allowedHosts the hosts a deployment may make this worker call
   */
  public EnvironmentActivitiesImpl(
      EcsClient ecs, Duration pollInterval, Duration requestTimeout, AllowedHosts allowedHosts) {
    this.ecs = ecs;
    this.allowedHosts = allowedHosts;
    this.pollInterval = pollInterval;
    this.requestTimeout = requestTimeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(requestTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public EnvironmentActivitiesImpl(EcsClient ecs, Duration pollInterval, Duration requestTimeout) {
    this(ecs, pollInterval, requestTimeout, AllowedHosts.loopback());
  }

  public EnvironmentActivitiesImpl(EcsClient ecs, AllowedHosts allowedHosts) {
    this(ecs, Duration.ofSeconds(2), Duration.ofSeconds(3), allowedHosts);
  }

  @Override
  public void checkUrls(List<String> urls) {
    allowedHosts.check(urls);
  }

  @Override
  public void validate(Environment environment) {
    check(environment);
    try {
      var clusters = ecs.describeClusters(r -> r.clusters(environment.cluster())).clusters();
      if (clusters.isEmpty() || !"ACTIVE".equals(clusters.getFirst().status())) {
        throw FailureType.NOT_FOUND.permanent("no ECS cluster '" + environment.cluster() + "'");
      }
      for (String name : List.of(environment.stableService(), environment.idleService())) {
        service(environment, name);
      }
    } catch (SdkClientException e) {
      throw FailureType.UNAVAILABLE.permanent(
          "the AWS ECS API is unreachable: " + FailureType.rootMessage(e));
    } catch (SdkException e) {
      throw translate("validating ECS cluster " + environment.cluster(), e);
    }
  }

  /**
   * Idempotent without a lookup table: the idle service already running a revision of the family
   * with the image, or one of the family's newest revisions with it (a retry after a crash between
   * registering and updating), is reused instead of registering another. {@code key} is recorded as
   * a tag of the revision registered.
   */
  @Override
  public String prepare(Environment environment, String version, String key) {
    check(environment);
    if (version == null || version.isBlank()) {
      throw FailureType.INVALID_INPUT.permanent("no version to deploy");
    }
    String image = imageFor(environment.image(), version);
    try {
      Service idle = service(environment, environment.idleService());
      TaskDefinition current = taskDefinition(idle.taskDefinition());
      String arn = null;
      if (environment.taskFamily().equals(current.family())
          && image.equals(mainImage(current, image))) {
        arn = current.taskDefinitionArn();
      }
      if (arn == null) {
        arn = reusableRevision(environment.taskFamily(), image);
      }
      if (arn == null) {
        arn = register(environment, current, image, version, key);
      }
      if (!arn.equals(idle.taskDefinition())
          || idle.desiredCount() == null
          || idle.desiredCount() != environment.desiredCount()) {
        String definition = arn;
        ecs.updateService(
            r ->
                r.cluster(environment.cluster())
                    .service(environment.idleService())
                    .taskDefinition(definition)
                    .desiredCount(environment.desiredCount()));
      }
      return arn;
    } catch (SdkException e) {
      throw translate("preparing " + environment.idleService() + " with " + image, e);
    }
  }

  @Override
  public boolean awaitStable(Environment environment, String service, Duration timeout) {
    check(environment);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Service s;
      try {
        s = service(environment, service);
      } catch (SdkException e) {
        throw translate("reading ECS service " + service, e);
      }
      Deployment primary =
          s.deployments().stream()
              .filter(d -> "PRIMARY".equals(d.status()))
              .findFirst()
              .orElse(null);
      String state =
          service
              + ": running "
              + s.runningCount()
              + "/"
              + s.desiredCount()
              + ", "
              + s.deployments().size()
              + " deployment(s)"
              + (primary == null ? "" : ", rollout " + primary.rolloutStateAsString());
      Activity.getExecutionContext().heartbeat(state);
      if (primary != null && primary.rolloutState() == DeploymentRolloutState.FAILED) {
        return false;
      }
      if ((primary != null && primary.rolloutState() == DeploymentRolloutState.COMPLETED)
          || (s.deployments().size() == 1 && s.runningCount().equals(s.desiredCount()))) {
        return true;
      }
      if (System.nanoTime() + pollInterval.toNanos() > deadline) {
        return false;
      }
      pause();
    }
  }

  @Override
  public CheckReport health(String url, int healthyAfter, Duration timeout) {
    if (healthyAfter < 1) {
      throw FailureType.INVALID_INPUT.permanent("healthyAfter must be at least 1");
    }
    URI uri = uri(url);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    List<String> lines = new ArrayList<>();
    String lastOutcome = null;
    int inRow = 0;
    int polls = 0;
    while (true) {
      polls++;
      Answer answer = get(uri);
      String outcome = answer.describe();
      Activity.getExecutionContext().heartbeat(polls + ": " + outcome);
      if (!outcome.equals(lastOutcome)) {
        lines.add("GET " + url + " -> " + outcome + " (poll " + polls + ")");
        lastOutcome = outcome;
      }
      inRow = answer.status() / 100 == 2 ? inRow + 1 : 0;
      String elapsed = seconds(System.nanoTime() - start);
      if (inRow >= healthyAfter) {
        lines.add(
            "healthy: " + inRow + " 2xx answers in a row after " + polls + " polls in " + elapsed);
        return new CheckReport(true, lines);
      }
      if (System.nanoTime() + pollInterval.toNanos() > deadline) {
        lines.add(
            "not healthy after "
                + elapsed
                + " ("
                + polls
                + " polls, needed "
                + healthyAfter
                + " 2xx in a row): last "
                + outcome);
        return new CheckReport(false, lines);
      }
      pause();
    }
  }

  @Override
  public CheckReport smoke(String baseUrl, List<SmokeCheck> checks) {
    if (checks == null || checks.isEmpty()) {
      throw FailureType.INVALID_INPUT.permanent("no smoke checks given");
    }
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    uri(base);
    List<String> lines = new ArrayList<>();
    boolean passed = true;
    for (SmokeCheck check : checks) {
      String path = check.path().startsWith("/") ? check.path() : "/" + check.path();
      Answer answer = get(uri(base + path));
      String line =
          "GET " + path + " -> " + answer.describe() + " (expected " + check.expectStatus() + ")";
      boolean ok = answer.status() == check.expectStatus();
      if (ok && check.expectBody() != null && !answer.body().contains(check.expectBody())) {
        ok = false;
        line += ", body lacks \"" + check.expectBody() + "\"";
      }
      line += ok ? " ok" : " FAIL";
      lines.add(line);
      passed &= ok;
      Activity.getExecutionContext().heartbeat(line);
    }
    return new CheckReport(passed, lines);
  }

  @Override
  public void retire(Environment environment, String service) {
    check(environment);
    try {
      Service s = service(environment, service);
      if (s.desiredCount() != null && s.desiredCount() == 0) {
        return;
      }
      ecs.updateService(r -> r.cluster(environment.cluster()).service(service).desiredCount(0));
    } catch (SdkException e) {
      throw translate("retiring ECS service " + service, e);
    }
  }

  // ---- ECS ----

  private void check(Environment environment) {
    if (ecs == null) {
      throw FailureType.INVALID_INPUT.permanent(
          "this worker has no AWS settings (rollgate.aws.*): it cannot drive ECS");
    }
    if (environment == null || !Environment.ECS.equals(environment.type())) {
      throw FailureType.INVALID_INPUT.permanent(
          "unknown environment '"
              + (environment == null ? null : environment.type())
              + "' (expected ecs)");
    }
    if (blank(environment.cluster())
        || blank(environment.stableService())
        || blank(environment.idleService())
        || blank(environment.taskFamily())
        || blank(environment.image())) {
      throw FailureType.INVALID_INPUT.permanent(
          "an ecs environment needs a cluster, a stable and an idle service, a task family and an"
              + " image");
    }
    if (environment.stableService().equals(environment.idleService())) {
      throw FailureType.INVALID_INPUT.permanent("the stable and idle services must differ");
    }
    if (environment.desiredCount() < 1) {
      throw FailureType.INVALID_INPUT.permanent(
          "the idle side's desired count must be at least 1 (got "
              + environment.desiredCount()
              + ")");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private Service service(Environment environment, String name) {
    DescribeServicesResponse answer;
    try {
      answer = ecs.describeServices(r -> r.cluster(environment.cluster()).services(name));
    } catch (ClusterNotFoundException e) {
      throw FailureType.NOT_FOUND.permanent("no ECS cluster '" + environment.cluster() + "'");
    }
    if (answer.services().isEmpty() || !"ACTIVE".equals(answer.services().getFirst().status())) {
      String reason =
          answer.failures().isEmpty() ? "not active" : answer.failures().getFirst().reason();
      throw FailureType.NOT_FOUND.permanent(
          "ECS cluster '"
              + environment.cluster()
              + "' has no service '"
              + name
              + "' ("
              + reason
              + ")");
    }
    return answer.services().getFirst();
  }

  private TaskDefinition taskDefinition(String arn) {
    return ecs.describeTaskDefinition(r -> r.taskDefinition(arn)).taskDefinition();
  }

  private String reusableRevision(String family, String image) {
    List<String> arns =
        ecs.listTaskDefinitions(
                r ->
                    r.familyPrefix(family)
                        .status(TaskDefinitionStatus.ACTIVE)
                        .sort(SortOrder.DESC)
                        .maxResults(REVISIONS_TO_REUSE))
            .taskDefinitionArns();
    for (String arn : arns.subList(0, Math.min(REVISIONS_TO_REUSE, arns.size()))) {
      TaskDefinition revision = taskDefinition(arn);
      if (family.equals(revision.family()) && image.equals(mainImage(revision, image))) {
        return arn;
      }
    }
    return null;
  }

  /**
   * Registers the new revision: the current one's settings with the main container's image swapped.
   */
  private String register(
      Environment environment, TaskDefinition template, String image, String version, String key) {
    List<ContainerDefinition> containers = new ArrayList<>();
    int main = mainContainer(template, environment.image());
    for (int i = 0; i < template.containerDefinitions().size(); i++) {
      ContainerDefinition c = template.containerDefinitions().get(i);
      containers.add(i == main ? c.toBuilder().image(image).build() : c);
    }
    List<Tag> tags = new ArrayList<>();
    tags.add(Tag.builder().key("rollgate:version").value(version).build());
    if (key != null && !key.isBlank()) {
      tags.add(Tag.builder().key("rollgate:key").value(key).build());
    }
    return ecs.registerTaskDefinition(
            r ->
                r.family(environment.taskFamily())
                    .containerDefinitions(containers)
                    .cpu(template.cpu())
                    .memory(template.memory())
                    .networkMode(template.networkMode())
                    .requiresCompatibilitiesWithStrings(template.requiresCompatibilitiesAsStrings())
                    .executionRoleArn(template.executionRoleArn())
                    .taskRoleArn(template.taskRoleArn())
                    .volumes(template.volumes())
                    .tags(tags))
        .taskDefinition()
        .taskDefinitionArn();
  }

  /**
   * The container that runs the service's image: the only one, or the one of the same repository.
   */
  private static int mainContainer(TaskDefinition definition, String image) {
    List<ContainerDefinition> containers = definition.containerDefinitions();
    String repository = repository(image);
    for (int i = 0; i < containers.size(); i++) {
      if (repository.equals(repository(containers.get(i).image()))) {
        return i;
      }
    }
    return 0;
  }

  private static String mainImage(TaskDefinition definition, String image) {
    if (definition.containerDefinitions().isEmpty()) {
      return null;
    }
    return definition.containerDefinitions().get(mainContainer(definition, image)).image();
  }

  /** {@code image:version}, unless the image already has a tag or a digest. */
  static String imageFor(String image, String version) {
    String last = image.substring(image.lastIndexOf('/') + 1);
    return last.contains(":") || image.contains("@") ? image : image + ":" + version;
  }

  static String repository(String image) {
    if (image == null) {
      return "";
    }
    int at = image.indexOf('@');
    String name = at >= 0 ? image.substring(0, at) : image;
    int colon = name.lastIndexOf(':');
    return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
  }

  private static RuntimeException translate(String doing, SdkException e) {
    if (e instanceof ClusterNotFoundException
        || e instanceof ServiceNotFoundException
        || e instanceof ServiceNotActiveException) {
      return FailureType.NOT_FOUND.permanent(doing + ": " + FailureType.rootMessage(e));
    }
    return AwsFailures.translate(doing, e);
  }

  // ---- HTTP ----

  /** A status (0 when there was no answer) and a body or the reason there was none. */
  record Answer(int status, String body) {
    String describe() {
      return status == 0 ? "no answer (" + body + ")" : String.valueOf(status);
    }
  }

  private Answer get(URI uri) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Answer(0, e.getClass().getSimpleName() + ": " + FailureType.rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.transientFailure("interrupted", e);
    }
  }

  private static URI uri(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      return uri;
    } catch (IllegalArgumentException | NullPointerException e) {
      throw FailureType.INVALID_INPUT.permanent("'" + url + "' is not an http(s) URL");
    }
  }

  private void pause() {
    try {
      Thread.sleep(pollInterval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.UNAVAILABLE.transientFailure("interrupted", e);
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
