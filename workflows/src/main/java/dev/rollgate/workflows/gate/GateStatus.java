package dev.rollgate.workflows.gate;

import java.util.List;

/**
 * The operator-facing state every Rollgate workflow shares. Also the state carried across
 * continue-as-new.
 *
 * @param initiator who started the workflow
 * @param paused whether timers are frozen
 * @param pausedBy who paused (an operator, or {@code rollgate} when a guardrail paused)
 * @param pauseReason why
 * @param holdRemainingMillis hold time left; frozen while paused; 0 when not holding
 * @param holdEndsAtMillis when the current hold ends (workflow time), 0 when paused or not holding
 * @param pending the approval gate being waited on, or null
 * @param approvals every approval accepted so far
 * @param aborted whether an abort was accepted
 * @param abortedBy who aborted
 * @param abortReason why
 * @param rejected the last refused operator actions, newest last (kept short)
 */
public record GateStatus(
    String initiator,
    boolean paused,
    String pausedBy,
    String pauseReason,
    long holdRemainingMillis,
    long holdEndsAtMillis,
    PendingApproval pending,
    List<RecordedApproval> approvals,
    boolean aborted,
    String abortedBy,
    String abortReason,
    List<String> rejected) {}
