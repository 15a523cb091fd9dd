package dev.rollgate.workflows.secrets;

import dev.rollgate.workflows.release.ReleaseState;
import java.util.regex.Pattern;

/**
 * Starts a key rotation ({@code secrets/rotate-key/<key>}).
 *
 * @param key the transit key (default {@value #DEFAULT_KEY}, the payload codec's)
 * @param initiator who starts it (may not approve it)
 * @param reason why, for the audit log, or null
 * @param approvals approvals needed before the minimum decryption version is raised (1..{@value
 *     #MAX_APPROVALS})
 * @param batchSize data keys per rewrap batch (1..{@value #MAX_BATCH_SIZE})
 * @param carried the state carried across continue-as-new, null on the first run
 */
public record KeyRotationRequest(
    String key, String initiator, String reason, int approvals, int batchSize, Carried carried) {

  /** The transit key the payload codec wraps its data keys with. */
  public static final String DEFAULT_KEY = "rollgate";

  public static final int DEFAULT_APPROVALS = 1;
  public static final int MAX_APPROVALS = 10;
  public static final int DEFAULT_BATCH_SIZE = 100;
  public static final int MAX_BATCH_SIZE = 1_000;

  /** The workflow-id prefix below the kind: {@code secrets/rotate-key/<key>}. */
  public static final String VERB = "rotate-key";

  /** Transit key names as OpenBao accepts them in a path segment, conservatively. */
  private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  /**
   * What a rotation carries across continue-as-new.
   *
   * @param stage where it is ({@code rewrap} or {@code approval})
   * @param before the key as inspected before the rotation
   * @param toVersion the version the rotation created
   * @param progress the current rewrap pass's progress, or null before its first slice
   * @param pass which rewrap pass (1 for the first; another runs when data keys wrapped with an
   *     older version were written during one)
   * @param rewrapped data keys rewrapped by earlier passes
   * @param kit the kit's state
   */
  public record Carried(
      String stage,
      TransitKeyState before,
      int toVersion,
      RewrapProgress progress,
      int pass,
      long rewrapped,
      ReleaseState kit) {}

  public static KeyRotationRequest of(String key, String initiator) {
    return new KeyRotationRequest(
        key, initiator, null, DEFAULT_APPROVALS, DEFAULT_BATCH_SIZE, null);
  }

  public KeyRotationRequest withApprovals(int n) {
    return new KeyRotationRequest(key, initiator, reason, n, batchSize, carried);
  }

  public KeyRotationRequest withBatchSize(int n) {
    return new KeyRotationRequest(key, initiator, reason, approvals, n, carried);
  }

  public KeyRotationRequest withReason(String why) {
    return new KeyRotationRequest(key, initiator, why, approvals, batchSize, carried);
  }

  public KeyRotationRequest carrying(Carried c) {
    return new KeyRotationRequest(key, initiator, reason, approvals, batchSize, c);
  }

  /** {@code secrets/rotate-key/<key>}. */
  public static String workflowId(String key) {
    return KeyRotationWorkflow.KIND + "/" + target(key);
  }

  /** The kit's target: {@code rotate-key/<key>}. */
  public static String target(String key) {
    return VERB + "/" + key;
  }

  /** Null when valid, else why not (one line). */
  public String problem() {
    String p = keyProblem(key);
    if (p != null) {
      return p;
    }
    if (initiator == null || initiator.isBlank()) {
      return "a key rotation needs an initiator (--by)";
    }
    if (approvals < 1 || approvals > MAX_APPROVALS) {
      return "--approvals must be 1.."
          + MAX_APPROVALS
          + " (raising the minimum decryption version needs an approval), not "
          + approvals;
    }
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      return "--batch-size must be 1.." + MAX_BATCH_SIZE + ", not " + batchSize;
    }
    return null;
  }

  /** Null when {@code key} is a valid transit key name, else why not. */
  public static String keyProblem(String key) {
    if (key == null || key.isBlank()) {
      return "a key rotation needs a transit key (--key)";
    }
    if (!KEY_NAME.matcher(key).matches()) {
      return "transit key '"
          + key
          + "' is not a key name (letters, digits, '_', '.', '-'; at most 128)";
    }
    return null;
  }

  /** Null when {@code target} names a rotation ({@code rotate-key/<key>}), else why not. */
  public static String targetProblem(String target) {
    if (target == null || !target.startsWith(VERB + "/")) {
      return "a secrets target is rotate-key/<key>, e.g. rotate-key/" + DEFAULT_KEY;
    }
    return keyProblem(target.substring(VERB.length() + 1));
  }
}
