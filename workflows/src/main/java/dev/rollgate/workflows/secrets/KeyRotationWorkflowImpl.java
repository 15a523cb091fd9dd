package dev.rollgate.workflows.secrets;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.ApprovalPolicy;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.ReleaseControls;
import dev.rollgate.workflows.release.ReleaseWorkflowBase;
import dev.rollgate.workflows.release.StepRetries;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import dev.rollgate.workflows.release.Words;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A key rotation on the release kit: inspect, rotate, rewrap (slices of batches, continuing as new
 * between slices when the history grows), approval, raise the minimum decryption version. The saga
 * holds one change, recorded before the rotation: "the minimum decryption version stays where it
 * was", undone by making sure it does; it is settled when the raise starts, from which point an
 * abort is refused. A rotation itself is never undone: transit keeps every version from the minimum
 * decryption version on, so data keys wrapped with the old or the new version both decrypt.
 */
public class KeyRotationWorkflowImpl extends ReleaseWorkflowBase implements KeyRotationWorkflow {
  static final String INSPECT = "inspect";
  static final String ROTATE = "rotate";
  static final String REWRAP = "rewrap";
  static final String APPROVAL = "approval";
  static final String RAISE = "raise";
  static final String DONE = "done";

  /** Batches per rewrap activity: a slice is short, so a pause or an abort waits little. */
  static final int BATCHES_PER_SLICE = 10;

  /** Rewrap passes before the rotation gives up on data keys written with an old version. */
  static final int MAX_PASSES = 3;

  private final KeyRotationRequest request;
  private final KeyRotationActivities quick;
  private final KeyRotationActivities slicer;
  private final KeyRotationActivities cleanup;

  private String stage = INSPECT;
  private TransitKeyState before;
  private int toVersion;
  private RewrapProgress progress;
  private int pass = 1;
  private long rewrappedBefore;
  private boolean raising;
  private CancellationScope running;
  private Promise<?> inFlight;

  @WorkflowInit
  public KeyRotationWorkflowImpl(KeyRotationRequest request) {
    super(
        new Release(
            KIND,
            KeyRotationRequest.target(request.key()),
            request.initiator(),
            request.carried() == null ? null : request.carried().kit()));
    this.request = request;
    KeyRotationRequest.Carried c = request.carried();
    if (c != null) {
      stage = c.stage();
      before = c.before();
      toVersion = c.toVersion();
      progress = c.progress();
      pass = c.pass();
      rewrappedBefore = c.rewrapped();
    }
    RetryOptions retry = StepRetries.STEP;
    this.quick =
        Workflow.newActivityStub(
            KeyRotationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retry)
                .build());
    this.slicer =
        Workflow.newActivityStub(
            KeyRotationActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(10))
                .setHeartbeatTimeout(Duration.ofMinutes(1))
                // an abort's rollback waits until the slice has stopped after its batch
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(retry)
                .build());
    // the rollback is retried until it is done (within a day), else the release fails loudly
    this.cleanup =
        Workflow.newActivityStub(
            KeyRotationActivities.class,
            StepRetries.untilDone(Duration.ofMinutes(1), Duration.ofHours(24)).build());
  }

  @Override
  public KeyRotationResult run(KeyRotationRequest ignored) {
    Release.Ending end = release.run(request.problem(), this::steps);
    return new KeyRotationResult(end.phase(), end.summary());
  }

  private String key() {
    return request.key();
  }

  private Undo minVersionKept() {
    return new Undo("min-decryption-version", key(), String.valueOf(before.minDecryptionVersion()));
  }

  private String steps() {
    if (request.carried() == null) {
      release.publish();
      release.record(
          request.initiator(),
          "rotate-key-started",
          key()
              + ": batches of "
              + request.batchSize()
              + ", "
              + request.approvals()
              + " approval(s) before the minimum decryption version is raised"
              + (request.reason() == null || request.reason().isBlank()
                  ? ""
                  : "; " + request.reason()));
      between("inspect transit key " + key());
      before = call(() -> Async.function(quick::inspect, key(), 0));
      // recorded before the rotation: until the raise, an abort keeps the old versions decrypting
      release.changed(minVersionKept());
      stage = ROTATE;
      between("rotate transit key " + key() + " (v" + before.latestVersion() + ")");
      toVersion = call(() -> Async.function(quick::rotate, key(), before.latestVersion()));
      release.record(
          OperatorGate.SYSTEM,
          "key-rotated",
          key() + ": v" + before.latestVersion() + " -> v" + toVersion);
      stage = REWRAP;
    }
    if (stage.equals(REWRAP)) {
      rewrap();
    }
    if (stage.equals(APPROVAL)) {
      release.awaitApprovals(
          "raise the minimum decryption version of " + key() + " to v" + toVersion,
          new ApprovalPolicy(request.approvals(), false));
      stage = RAISE;
    }
    raise();
    return "rotated "
        + key()
        + " to v"
        + toVersion
        + "; "
        + String.format(Locale.ROOT, "%,d", rewrapped())
        + " data keys rewrapped; minimum decryption version v"
        + before.minDecryptionVersion()
        + " -> v"
        + toVersion;
  }

  private void rewrap() {
    while (true) {
      String step = "rewrap data keys of " + key() + " to v" + toVersion;
      while (progress == null || !progress.done()) {
        between(step);
        if (release.historyIsLarge()) {
          release.continueAsNew();
        }
        if (progress == null) {
          TransitKeyState now = call(() -> Async.function(quick::inspect, key(), 0));
          progress = RewrapProgress.start(now.dataKeys());
        }
        RewrapJob job =
            new RewrapJob(key(), toVersion, request.batchSize(), BATCHES_PER_SLICE, progress);
        progress = call(() -> Async.function(slicer::rewrap, job));
        release.publish();
      }
      TransitKeyState after = call(() -> Async.function(quick::inspect, key(), toVersion));
      if (after.below() == 0) {
        break;
      }
      // data keys written with the old version while the pass ran (a worker that asked transit
      // for a key just before the rotation): another pass takes them
      if (pass >= MAX_PASSES) {
        throw release.fail(
            FailureType.CONFLICT,
            after.below()
                + " data keys of "
                + key()
                + " are still wrapped below v"
                + toVersion
                + " after "
                + pass
                + " rewrap passes; the minimum decryption version was left at v"
                + before.minDecryptionVersion());
      }
      release.record(
          OperatorGate.SYSTEM,
          "rewrap-pass",
          after.below() + " data keys still below v" + toVersion + ": pass " + (pass + 1));
      rewrappedBefore += progress.rewrapped();
      progress = null;
      pass++;
    }
    release.record(
        OperatorGate.SYSTEM,
        "rewrapped",
        key()
            + ": "
            + String.format(Locale.ROOT, "%,d", rewrapped())
            + " data keys rewrapped to v"
            + toVersion
            + " ("
            + Words.count(pass, "pass")
            + ")");
    stage = APPROVAL;
  }

  private long rewrapped() {
    return rewrappedBefore + (progress == null ? 0 : progress.rewrapped());
  }

  private void raise() {
    between("raise the minimum decryption version of " + key() + " to v" + toVersion);
    // from here on nothing is rolled back: versions below toVersion stop decrypting
    release.settled(minVersionKept());
    raising = true;
    stage = RAISE;
    String done = call(() -> Async.function(quick::raiseMinDecryptionVersion, key(), toVersion));
    release.record(OperatorGate.SYSTEM, "min-decryption-version-raised", key() + ": " + done);
    stage = DONE;
  }

  /** Before a step: waits while paused, stops on abort, and names the step. */
  private void between(String step) {
    if (release.isPaused()) {
      release.awaitRunning();
    }
    release.checkAborted();
    release.enter(Phase.RUNNING, step);
  }

  /**
   * Runs one activity in a scope an abort can cancel (the rollback waits until it has stopped);
   * throws {@code Stop} on abort.
   */
  private <R> R call(Functions.Func<Promise<R>> activity) {
    List<Promise<R>> holder = new ArrayList<>(1);
    running = Workflow.newCancellationScope(() -> holder.add(activity.apply()));
    running.run();
    Promise<R> promise = holder.getFirst();
    inFlight = promise;
    Workflow.await(() -> promise.isCompleted() || release.gateStatus().aborted());
    release.checkAborted();
    R result = promise.get();
    inFlight = null;
    return result;
  }

  /**
   * The raise cannot be rolled back and nothing follows it: once it started an abort is refused,
   * and so is a pause (there is no step left to hold).
   */
  @Override
  public String refuse(String verb) {
    if (!raising) {
      return null;
    }
    String raisingNow =
        "the minimum decryption version of " + key() + " is being raised to v" + toVersion;
    return switch (verb) {
      case ReleaseControls.ABORT -> raisingNow + ": it cannot be rolled back";
      case ReleaseControls.PAUSE -> raisingNow + ", the last step: nothing is left to pause";
      default -> null;
    };
  }

  /** Keeps the minimum decryption version once the activity in flight (a slice) has stopped. */
  @Override
  public Promise<String> undo(Undo change, StopCause cause, String reason) {
    if (running != null && inFlight != null && !inFlight.isCompleted()) {
      running.cancel();
    }
    Promise<Void> stopped =
        inFlight == null ? Workflow.newPromise(null) : inFlight.handle((done, failure) -> null);
    int version = Integer.parseInt(change.restore());
    return stopped.thenCompose(
        none -> Async.function(cleanup::keepMinDecryptionVersion, change.subject(), version));
  }

  @Override
  public KeyRotationRequest nextRun() {
    if (inFlight != null) {
      return null;
    }
    return request.carrying(
        new KeyRotationRequest.Carried(
            stage, before, toVersion, progress, pass, rewrappedBefore, release.carry()));
  }

  @Override
  public KeyRotationStatus rotation() {
    return new KeyRotationStatus(
        release.status(),
        key(),
        stage,
        before,
        toVersion,
        progress,
        pass,
        rewrapped(),
        request.batchSize());
  }

  /** Whole percents only: each change of the search attribute is a history event. */
  @Override
  public double progress() {
    return switch (stage) {
      case INSPECT -> 0;
      case ROTATE -> 5;
      case REWRAP -> 10 + Math.floor(75 * (progress == null ? 0 : progress.fraction()));
      case APPROVAL -> 85;
      case RAISE -> 95;
      default -> 100;
    };
  }

  @Override
  public String position() {
    return switch (stage) {
      case INSPECT -> "inspecting transit key " + key();
      case ROTATE ->
          "rotating "
              + key()
              + " (v"
              + before.latestVersion()
              + " -> v"
              + (before.latestVersion() + 1)
              + ")";
      case REWRAP -> rewrapWords();
      case APPROVAL ->
          key()
              + " at v"
              + toVersion
              + ", every data key rewrapped ("
              + String.format(Locale.ROOT, "%,d", rewrapped())
              + "); the old versions still decrypt";
      case RAISE ->
          "raising the minimum decryption version of "
              + key()
              + " v"
              + before.minDecryptionVersion()
              + " -> v"
              + toVersion;
      default -> key() + " at v" + toVersion + ", minimum decryption version v" + toVersion;
    };
  }

  /** "rewrap 41 % (410 of 1,000 data keys: 390 rewrapped to v2, 20 already), batches of 100". */
  private String rewrapWords() {
    StringBuilder s = new StringBuilder("rewrap");
    if (pass > 1) {
      s.append(" (pass ").append(pass).append(')');
    }
    if (progress == null) {
      return s.append(": starting").toString();
    }
    return s.append(' ')
        .append((int) Math.floor(progress.fraction() * 100))
        .append(" % (")
        .append(
            String.format(
                Locale.ROOT,
                "%,d of %,d data keys: %,d rewrapped to v%d, %,d already",
                progress.scanned(),
                progress.total(),
                progress.rewrapped(),
                toVersion,
                progress.already()))
        .append("), batches of ")
        .append(request.batchSize())
        .toString();
  }

  @Override
  public String next() {
    return switch (stage) {
      case INSPECT -> "rotate " + key();
      case ROTATE -> "rewrap the data keys";
      case REWRAP -> "approval";
      case APPROVAL -> "raise the minimum decryption version to v" + toVersion;
      default -> null;
    };
  }
}
