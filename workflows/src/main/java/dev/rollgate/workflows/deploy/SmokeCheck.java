package dev.rollgate.workflows.deploy;

/**
 * One HTTP request a new side must answer as expected before it gets traffic.
 *
 * @param path the path, e.g. {@code /health}, appended to the side's URL
 * @param expectStatus the status expected (e.g. 200)
 * @param expectBody a substring the body must contain, or null
 */
public record SmokeCheck(String path, int expectStatus, String expectBody) {}
