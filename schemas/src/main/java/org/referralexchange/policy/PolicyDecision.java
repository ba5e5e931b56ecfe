package org.referralexchange.policy;

/**
 * What a policy said: allowed, or rejected by a named policy for a reason a person can read.
 * Reasons never contain client data.
 */
public sealed interface PolicyDecision {

  /** The single allowed decision. */
  PolicyDecision ALLOWED = new Allowed();

  static PolicyDecision allowed() {
    return ALLOWED;
  }

  static PolicyDecision rejected(String policy, String reason) {
    return new Rejected(policy, reason);
  }

  default boolean isAllowed() {
    return this instanceof Allowed;
  }

  /** Allowed. */
  record Allowed() implements PolicyDecision {}

  /**
   * Rejected.
   *
   * @param policy stable name of the policy that refused, e.g. {@code consent-expired}
   * @param reason what was wrong, in words
   */
  record Rejected(String policy, String reason) implements PolicyDecision {}
}
