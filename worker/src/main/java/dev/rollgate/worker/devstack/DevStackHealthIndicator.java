package dev.rollgate.worker.devstack;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code devStack} component of {@code /actuator/health}: every supervised child of the dev stack,
 * DOWN while one is dead and being restarted. Registered by {@link DevStackListener} only when the
 * dev stack runs.
 */
class DevStackHealthIndicator extends AbstractHealthIndicator {
  private final DevStack stack;

  DevStackHealthIndicator(DevStack stack) {
    super("dev stack health check failed");
    this.stack = stack;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    boolean allUp = true;
    for (SupervisedProcess.Status child : stack.children()) {
      allUp &= child.up();
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("status", child.up() ? "UP" : "DOWN (restarting)");
      details.put("pid", child.pid());
      details.put("port", child.port());
      details.put("restarts", child.restarts());
      if (!child.lastExit().isEmpty()) {
        details.put("lastExit", child.lastExit());
      }
      builder.withDetail(child.name(), details);
    }
    if (allUp) {
      builder.up();
    } else {
      builder.down();
    }
  }
}
