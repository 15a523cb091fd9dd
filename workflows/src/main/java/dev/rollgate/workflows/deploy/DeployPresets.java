package dev.rollgate.workflows.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage presets named like AWS CodeDeploy's deployment configurations, and the defaults. A preset's
 * last stage (100 %) has no hold: the deployment ends once everything is shifted.
 */
public final class DeployPresets {
  /** The canary default: 5 → 25 → 50 → 100 % with 15 min holds. */
  public static final List<Stage> DEFAULT_CANARY =
      List.of(
          new Stage(5, Duration.ofMinutes(15)),
          new Stage(25, Duration.ofMinutes(15)),
          new Stage(50, Duration.ofMinutes(15)),
          new Stage(100, Duration.ZERO));

  /** The blue-green default: 10 → 50 → 100 % with 5 min holds (the rollback window follows). */
  public static final List<Stage> DEFAULT_BLUE_GREEN =
      List.of(
          new Stage(10, Duration.ofMinutes(5)),
          new Stage(50, Duration.ofMinutes(5)),
          new Stage(100, Duration.ZERO));

  private static final Map<String, List<Stage>> PRESETS = new LinkedHashMap<>();

  static {
    PRESETS.put("Canary10Percent5Minutes", canary(10, Duration.ofMinutes(5)));
    PRESETS.put("Canary10Percent15Minutes", canary(10, Duration.ofMinutes(15)));
    PRESETS.put("Linear10PercentEvery1Minutes", linear(10, Duration.ofMinutes(1)));
    PRESETS.put("Linear10PercentEvery3Minutes", linear(10, Duration.ofMinutes(3)));
    PRESETS.put("AllAtOnce", List.of(new Stage(100, Duration.ZERO)));
  }

  private DeployPresets() {}

  /** The preset's stages, or null when there is no preset of that name. */
  public static List<Stage> named(String name) {
    return PRESETS.get(name);
  }

  /** The preset names, in a stable order. */
  public static List<String> names() {
    return List.copyOf(PRESETS.keySet());
  }

  /** {@code percent} % for {@code hold}, then 100 %. */
  public static List<Stage> canary(int percent, Duration hold) {
    return List.of(new Stage(percent, hold), new Stage(100, Duration.ZERO));
  }

  /** {@code step}, 2×{@code step}, ... 100 %, {@code every} apart. */
  public static List<Stage> linear(int step, Duration every) {
    List<Stage> stages = new ArrayList<>();
    for (int w = step; w < 100; w += step) {
      stages.add(new Stage(w, every));
    }
    stages.add(new Stage(100, Duration.ZERO));
    return List.copyOf(stages);
  }
}
