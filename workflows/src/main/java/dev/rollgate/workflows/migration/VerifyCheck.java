package dev.rollgate.workflows.migration;

/**
 * One check of the verify step: a query returning one row with one {@code bigint} column, the
 * number of rows that do not match (0 = passed). Examples: rows whose new column is NULL where the
 * old one is not, rows whose new value differs from the converted old one.
 *
 * @param description what it compares, in words
 * @param sql the counting query
 */
public record VerifyCheck(String description, String sql) {}
