package org.referralexchange.kafka.streams;

/**
 * Thrown by a listener for a record that decoded but a policy refused: not retried, dead-lettered
 * with reason {@code invalid-content} and the policy's code as its cause.
 */
public class ContentRefusedException extends RuntimeException {

  private final String policy;
  private final String reason;

  /**
   * @param policy the refusing policy's stable code
   * @param reason what was wrong, in codes and statuses only: it goes into a header
   */
  public ContentRefusedException(String policy, String reason) {
    super(policy + ": " + reason);
    this.policy = policy;
    this.reason = reason;
  }

  public String policy() {
    return policy;
  }

  public String reason() {
    return reason;
  }
}
