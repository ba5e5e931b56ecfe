package org.referralexchange.adapter.delivery;

import org.referralexchange.adapter.provider.ProviderRejectedException;

/**
 * The lifecycle refused a provider's report: which policy, and why in its words (statuses and
 * codes), kept apart so a polled refusal can be reported by policy without parsing a message.
 */
class StatusRefusedException extends ProviderRejectedException {

  private final String policy;
  private final String reason;

  StatusRefusedException(String policy, String reason) {
    super(policy + ": " + reason, null);
    this.policy = policy;
    this.reason = reason;
  }

  String policy() {
    return policy;
  }

  String reason() {
    return reason;
  }
}
