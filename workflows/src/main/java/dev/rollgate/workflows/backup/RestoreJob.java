package dev.rollgate.workflows.backup;

/**
 * One restore.
 *
 * @param backupId the backup to restore
 * @param targetDatabase the database to restore into (created; by default it must not exist)
 * @param replace restore over an existing database (the workflow asks for an approval first)
 */
public record RestoreJob(String backupId, String targetDatabase, boolean replace) {}
