package dev.rollgate.workflows.deploy;

/**
 * One HTTP request a new side must answer as expected before it gets traffic.
 *
 * @param path the path, e.g. {@code /health}, appended to the side's URL
 * @param expectStatus the status expected (e.g. 200)
 * @param expectBody a substring the body must contain, or null
 */
public record SmokeCheck(String path, int expectStatus, String expectBody) {
  /** Null when well formed, else one line. */
  public String problem() {
    if (path == null || !path.startsWith("/")) {
      return "smoke check path '" + path + "' must start with /";
    }
    if (expectStatus < 100 || expectStatus > 599) {
      return "smoke check " + path + " expects status " + expectStatus + " (100-599)";
    }
    return null;
  }
}
