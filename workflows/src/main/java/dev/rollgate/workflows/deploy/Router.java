package dev.rollgate.workflows.deploy;

import java.util.regex.Pattern;

/**
 * Where a deployment's traffic is split, and between what.
 *
 * <ul>
 *   <li>{@code haproxy}: {@code address} is the runtime API (admin-level stats socket): {@code
 *       unix:/path/to/socket} or {@code 127.0.0.1:9999}; {@code scope} is the backend; {@code
 *       stable} and {@code canary} are its server names.
 *   <li>{@code alb}: {@code address} is unused (the worker's AWS settings say where the API is);
 *       {@code scope} is the listener ARN or the rule ARN whose forward action is weighted; {@code
 *       stable} and {@code canary} are target group ARNs.
 * </ul>
 *
 * For blue-green, {@code stable} is the live side and {@code canary} the idle side that gets the
 * new version.
 */
public record Router(String type, String address, String scope, String stable, String canary) {
  public static final String HAPROXY = "haproxy";
  public static final String ALB = "alb";

  /** HAProxy's own rule for proxy and server names: letters, digits, '-', '_', '.' and ':'. */
  private static final Pattern HAPROXY_NAME = Pattern.compile("[A-Za-z0-9_.:-]+");

  /**
   * Null when {@code name} is a valid HAProxy backend or server name, else one line. Names go into
   * runtime API commands, where a ';', a space or a line break would start another command.
   */
  public static String haproxyNameProblem(String what, String name) {
    if (name != null && HAPROXY_NAME.matcher(name).matches()) {
      return null;
    }
    return "haproxy "
        + what
        + " name '"
        + (name == null ? "" : name.replace("\n", "\\n").replace("\r", "\\r"))
        + "' may contain only letters, digits, '-', '_', '.' and ':'";
  }

  /** Null when well formed (existence is checked by the router activity), else one line. */
  public String problem() {
    if (type == null || !(type.equals(HAPROXY) || type.equals(ALB))) {
      return "unknown router '" + type + "' (expected haproxy or alb)";
    }
    if (type.equals(HAPROXY) && (address == null || address.isBlank())) {
      return "an haproxy router needs the runtime API address (unix:/path or host:port)";
    }
    if (scope == null || scope.isBlank()) {
      return type.equals(HAPROXY)
          ? "an haproxy router needs a backend"
          : "an alb router needs a listener or rule ARN";
    }
    if (stable == null || stable.isBlank() || canary == null || canary.isBlank()) {
      return "a router needs a stable and a canary "
          + (type.equals(HAPROXY) ? "server" : "target group");
    }
    if (stable.equals(canary)) {
      return "the stable and canary "
          + (type.equals(HAPROXY) ? "servers" : "target groups")
          + " must differ";
    }
    if (type.equals(HAPROXY)) {
      for (String[] name :
          new String[][] {{"backend", scope}, {"server", stable}, {"server", canary}}) {
        String problem = haproxyNameProblem(name[0], name[1]);
        if (problem != null) {
          return problem;
        }
      }
    }
    if (type.equals(ALB)) {
      for (String arn : new String[] {scope, stable, canary}) {
        if (!arn.startsWith("arn:aws:elasticloadbalancing:")) {
          return "'" + arn + "' is not an ELBv2 ARN";
        }
      }
      if (!stable.contains(":targetgroup/") || !canary.contains(":targetgroup/")) {
        return "the stable and canary of an alb router must be target group ARNs";
      }
      if (!scope.contains(":listener/") && !scope.contains(":listener-rule/")) {
        return "the scope of an alb router must be a listener or listener-rule ARN";
      }
    }
    return null;
  }

  /** {@code haproxy app (stable / canary)}. */
  public String describe() {
    return type + " " + scope + " (" + stable + " / " + canary + ")";
  }
}
