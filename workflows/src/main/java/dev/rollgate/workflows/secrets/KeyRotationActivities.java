package dev.rollgate.workflows.secrets;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * What a key rotation does in OpenBao/Vault transit and in Rollgate's {@code rollgate_data_key}.
 * Every method is idempotent by its arguments (no idempotency key needed): each looks at the key's
 * versions before it changes anything.
 */
@ActivityInterface
public interface KeyRotationActivities {
  /**
   * The key's versions and how many data keys it wraps ({@code below}: how many below {@code
   * version}; 0 asks for none). A key that does not exist is a non-retryable {@code NOT_FOUND}; a
   * policy that does not allow reading it a non-retryable {@code REFUSED}.
   */
  @ActivityMethod(name = "InspectTransitKey")
  TransitKeyState inspect(String key, int version);

  /**
   * Rotates the key once: when its latest version is still {@code fromVersion} it rotates, when it
   * is newer already (a retry after the rotation happened) it does not. Returns the latest version.
   */
  @ActivityMethod(name = "RotateTransitKey")
  int rotate(String key, int fromVersion);

  /**
   * Rewraps one slice of data keys with the key's latest version (transit {@code rewrap}), batch by
   * batch, each batch's rows updated in one transaction; heartbeats the progress after each batch
   * and resumes from the last heartbeat when retried. On cancellation it stops after the batch in
   * flight.
   */
  @ActivityMethod(name = "RewrapDataKeys")
  RewrapProgress rewrap(RewrapJob job);

  /**
   * Raises the key's minimum decryption version to {@code version}; refused (non-retryable {@code
   * CONFLICT}) while any data key is still wrapped with an older version, which would no longer
   * decrypt. Done already is done. Returns what was done, in words.
   */
  @ActivityMethod(name = "RaiseMinDecryptionVersion")
  String raiseMinDecryptionVersion(String key, int version);

  /**
   * The rollback: makes sure the key's minimum decryption version is {@code version} (what it was
   * before the rotation), so that data keys wrapped with any version since still decrypt. Returns
   * what it found or did, in words.
   */
  @ActivityMethod(name = "KeepMinDecryptionVersion")
  String keepMinDecryptionVersion(String key, int version);
}
