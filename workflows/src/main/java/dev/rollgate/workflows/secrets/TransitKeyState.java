package dev.rollgate.workflows.secrets;

/**
 * A transit key as the rotation sees it.
 *
 * @param name the transit key
 * @param latestVersion its newest version (what new data keys are wrapped with)
 * @param minDecryptionVersion the oldest version it still decrypts with
 * @param dataKeys data keys in {@code rollgate_data_key} wrapped with this key
 * @param below of those, how many are wrapped with a version below the one asked about (0 when none
 *     was asked)
 */
public record TransitKeyState(
    String name, int latestVersion, int minDecryptionVersion, long dataKeys, long below) {}
