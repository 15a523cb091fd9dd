package dev.rollgate.workflows.deploy;

/**
 * The state a router reports for one side's server: {@code UP}, or why it takes no traffic ({@code
 * MAINT}, {@code DRAIN}, {@code DOWN} by a health check). A side that takes no traffic sends its
 * share to the other side, whatever the weights say.
 *
 * @param side {@code stable} or {@code canary}
 * @param server the server's name on the router (HAProxy: {@code backend/server})
 * @param state {@code UP}, {@code MAINT}, {@code DRAIN} or {@code DOWN}
 */
public record ServerState(String side, String server, String state) {
  public static final String UP = "UP";

  public boolean serving() {
    return UP.equals(state);
  }

  /** {@code haproxy server app/blue (stable) is in MAINT}. */
  public String describe() {
    return "server " + server + " (" + side + ") is in " + state;
  }
}
