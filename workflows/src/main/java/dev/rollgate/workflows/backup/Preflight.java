package dev.rollgate.workflows.backup;

/**
 * What was checked before a backup: the database answers, the bucket exists and is writable, and
 * {@code pg_dump} is at least the server's major version.
 */
public record Preflight(
    String database, String serverVersion, String pgDumpVersion, String bucket) {}
