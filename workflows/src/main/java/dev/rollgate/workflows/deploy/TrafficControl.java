package dev.rollgate.workflows.deploy;

import dev.rollgate.workflows.FailureType;
import dev.rollgate.workflows.gate.OperatorGate;
import dev.rollgate.workflows.release.Phase;
import dev.rollgate.workflows.release.Release;
import dev.rollgate.workflows.release.Stop;
import dev.rollgate.workflows.release.StopCause;
import dev.rollgate.workflows.release.Undo;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.slf4j.Logger;

/**
 * Every change a deployment makes to its router and sides goes through here, one after the other:
 * the stage shifts, the drift re-apply of a hold, preparing a blue-green's idle side, and the undo.
 * The writes form one promise chain; the undo joins its end, so it starts only once every write
 * issued before it has landed (or failed), and once it is queued no other write starts: nothing
 * lands after the rollback.
 *
 * <p>Runs before {@link #SERIALISED} waited only for the last stage shift before undoing, and ran
 * the drift re-apply and the idle side's preparation outside the chain; they keep doing so on
 * replay.
 */
final class TrafficControl {
  private static final Logger log = Workflow.getLogger(TrafficControl.class);

  /**
   * {@code Workflow.getVersion} change id: version 1, every router write joins one chain with the
   * undo; version 2, the servers' states are also checked before each shift and on every hold
   * check.
   */
  static final String SERIALISED = "deploy-serialised-router-writes";

  private final Release release;
  private final Router router;
  private final TrafficActivities traffic;
  private TrafficSplit split;
  private Promise<?> tail;
  private boolean serialised;
  private boolean serverStates;
  private String reported;
  private boolean undoing;

  TrafficControl(Release release, Router router, TrafficActivities traffic, TrafficSplit split) {
    this.release = release;
    this.router = router;
    this.traffic = traffic;
    this.split = split;
  }

  /** The server-state finding already audited under policy never (carried across runs). */
  String reported() {
    return reported;
  }

  void reported(String finding) {
    reported = finding;
  }

  /** Decides, once per run and before any write, whether this run serialises all its writes. */
  void decide() {
    int version = Workflow.getVersion(SERIALISED, Workflow.DEFAULT_VERSION, 2);
    serialised = version >= 1;
    serverStates = version >= 2;
  }

  /** The split set (and read back) last. */
  TrafficSplit split() {
    return split;
  }

  Router router() {
    return router;
  }

  TrafficSplit read() {
    return traffic.read(router);
  }

  /** Shifts the traffic, recorded for the saga first and audited once it is read back. */
  void shift(TrafficSplit to, String why) {
    release.changed(new Undo("traffic", router.scope(), TrafficSplit.ALL_STABLE.toString()));
    TrafficSplit was = split;
    TrafficSplit now = queue(() -> Async.function(traffic::shift, router, to), true).get();
    split = now;
    release.record(
        OperatorGate.SYSTEM,
        "traffic-shift",
        router.describe() + ": " + was + " -> " + now + " (" + why + ")");
  }

  /**
   * Runs another change of the deployment's sides (preparing the idle side) in the chain, so that
   * an undo waits for it; returns its result.
   */
  <T> T change(Functions.Func<Promise<T>> write) {
    return queue(write, false).get();
  }

  /**
   * Reads the router: weights lost (an HAProxy reload without a server-state file) or changed by
   * hand are re-applied and audited, or pause first under policy {@code pause}.
   *
   * @param holdStep the hold's step name, entered again after a resume
   */
  void checkDrift(RollbackPolicy policy, String holdStep) {
    TrafficSplit actual;
    try {
      actual = read();
    } catch (ActivityFailure e) {
      log.warn("drift check skipped: {}", FailureType.rootMessage(e));
      return;
    }
    if (actual.equals(split)) {
      return;
    }
    String why = "traffic drift on " + router.describe() + ": reads " + actual + ", set " + split;
    if (policy == RollbackPolicy.PAUSE) {
      release.pauseBySystem(why + "; resume re-applies " + split, true);
      release.awaitRunning();
      release.enter(Phase.HOLDING, holdStep);
    }
    TrafficSplit set = split;
    TrafficSplit now = queue(() -> Async.function(traffic::shift, router, set), false).get();
    release.record(OperatorGate.SYSTEM, "traffic-drift", why + "; re-applied " + now);
  }

  /**
   * Reads the state of both sides' servers: one that takes no traffic (MAINT, DRAIN, DOWN) sends
   * its share to the other side whatever the weights say. A canary out of service rolls back under
   * policy {@code auto}; a stable server out of service pauses (a rollback would send everything to
   * it); policy {@code pause} pauses, {@code never} records it once and goes on.
   *
   * @param phase the phase entered again after a resume, with {@code step}
   */
  void checkServers(RollbackPolicy policy, Phase phase, String step) {
    if (!serverStates) {
      return;
    }
    List<ServerState> states;
    try {
      states = traffic.servers(router);
    } catch (ActivityFailure e) {
      log.warn("server state check skipped: {}", FailureType.rootMessage(e));
      return;
    }
    ServerState out = states.stream().filter(s -> !s.serving()).findFirst().orElse(null);
    if (out == null) {
      reported = null;
      return;
    }
    boolean canary = out.side().equals("canary");
    String why =
        router.type()
            + " "
            + out.describe()
            + (canary ? ": its share goes to stable" : ": all traffic goes to the canary");
    if (policy == RollbackPolicy.NEVER) {
      if (!why.equals(reported)) {
        release.record(OperatorGate.SYSTEM, "server-state", why + " (policy never: going on)");
        reported = why;
      }
      return;
    }
    if (policy == RollbackPolicy.AUTO && canary) {
      throw new Stop(StopCause.ROLLBACK, why);
    }
    release.pauseBySystem(why + "; resume once it serves again", true);
    release.awaitRunning();
    release.enter(phase, step);
  }

  /**
   * Undoes the traffic: once every write issued before has settled, all traffic to stable at once,
   * read back; a rollback that does not read back fails. Then {@code then} gets the split before
   * and the sentence saying what was done, and its promise is the undo's.
   */
  Promise<String> undo(String reason, Functions.Func2<TrafficSplit, String, Promise<String>> then) {
    TrafficSplit was = split;
    return afterWrites(
        () ->
            Async.function(traffic::shift, router, TrafficSplit.ALL_STABLE)
                .thenCompose(set -> Async.function(traffic::read, router))
                .thenApply(
                    read -> {
                      if (!read.equals(TrafficSplit.ALL_STABLE)) {
                        throw FailureType.COMPENSATION_FAILED.permanent(
                            "rollback did not happen: "
                                + router.describe()
                                + " reads "
                                + read
                                + " after setting "
                                + TrafficSplit.ALL_STABLE);
                      }
                      split = read;
                      String done =
                          "all traffic on stable: "
                              + router.describe()
                              + " "
                              + was
                              + " -> "
                              + read
                              + ", read back";
                      release.record(
                          OperatorGate.SYSTEM, "traffic-rollback", done + " (" + reason + ")");
                      return done;
                    })
                .thenCompose(done -> then.apply(was, done)),
        true);
  }

  /**
   * Starts {@code undo} once every write issued before has settled; from then on no write starts
   * (an abort's compensation runs beside the main flow, which may still be on its way to a write).
   */
  Promise<String> afterWrites(Functions.Func<Promise<String>> undo) {
    return afterWrites(undo, false);
  }

  private Promise<String> afterWrites(Functions.Func<Promise<String>> undo, boolean traffic) {
    if (!serialised) {
      // older runs: the traffic's undo waited for the last stage shift only, the others for nothing
      return tail == null || !traffic
          ? undo.apply()
          : tail.handle((v, f) -> null).thenCompose(v -> undo.apply());
    }
    undoing = true;
    Promise<String> p =
        tail == null ? undo.apply() : tail.handle((v, f) -> null).thenCompose(v -> undo.apply());
    tail = p;
    return p;
  }

  private <T> Promise<T> queue(Functions.Func<Promise<T>> write, boolean stageShift) {
    if (!serialised) {
      Promise<T> p = write.apply();
      if (stageShift) {
        tail = p;
      }
      return p;
    }
    if (undoing) {
      release.checkAborted();
      throw FailureType.REFUSED.permanent(
          "the rollback of " + router.describe() + " has started: no further change");
    }
    Promise<T> p =
        tail == null ? write.apply() : tail.handle((v, f) -> null).thenCompose(v -> write.apply());
    tail = p;
    return p;
  }
}
