package dev.rollgate.workflows.gate;

/**
 * Who may pass an approval gate.
 *
 * @param required how many distinct people must approve (at least 1)
 * @param initiatorMayApprove whether the person who started the workflow counts as an approver
 */
public record ApprovalPolicy(int required, boolean initiatorMayApprove) {
  /** One approval from somebody other than the initiator. */
  public static ApprovalPolicy fourEyes() {
    return new ApprovalPolicy(1, false);
  }
}
