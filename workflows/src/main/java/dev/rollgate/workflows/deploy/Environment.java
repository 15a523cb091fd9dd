package dev.rollgate.workflows.deploy;

/**
 * Where the new version runs, for blue-green on ECS (null for a router whose sides are deployed
 * outside Rollgate, e.g. two HAProxy servers already running both versions).
 *
 * @param type {@code ecs}
 * @param cluster the ECS cluster name or ARN
 * @param stableService the live side's service
 * @param idleService the idle side's service, which gets the new version
 * @param taskFamily the task definition family registered for the new version
 * @param image the container image (the version is appended as its tag when it has none)
 * @param desiredCount tasks the idle side runs
 */
public record Environment(
    String type,
    String cluster,
    String stableService,
    String idleService,
    String taskFamily,
    String image,
    int desiredCount) {
  public static final String ECS = "ecs";

  /** Null when well formed (existence is checked by the environment activity), else one line. */
  public String problem() {
    if (!ECS.equals(type)) {
      return "unknown environment '" + type + "' (expected ecs)";
    }
    if (blank(cluster)
        || blank(stableService)
        || blank(idleService)
        || blank(taskFamily)
        || blank(image)) {
      return "an ECS environment needs a cluster, both services, a task family and an image";
    }
    if (stableService.equals(idleService)) {
      return "the live and idle ECS services must differ";
    }
    if (desiredCount < 1) {
      return "the idle side needs at least 1 task";
    }
    return null;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
