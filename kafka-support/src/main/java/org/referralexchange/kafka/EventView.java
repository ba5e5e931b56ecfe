package org.referralexchange.kafka;

import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.schemas.TopicSpec;

/**
 * A view a service keeps of some topics. Events arrive from the log in order per partition, and
 * once more from this instance's own publishes, so applying must be idempotent on {@code eventId}.
 * Called from more than one thread.
 *
 * <p>An event read from the log is first {@linkplain #check checked} by every view of its topic; if
 * one refuses it, no view applies it and the log dead-letters it (reason {@code invalid-content}).
 * This instance's own publishes are applied unchecked: they were checked before they were sent.
 */
public interface EventView {

  /** The topics this view reads. */
  Set<TopicSpec> topics();

  /**
   * Whether the event, which decoded, can be true given what this view knows: e.g. a status change
   * the lifecycle forbids after the referral's current status. A repeated event (an {@code eventId}
   * already applied) must be allowed: it changes nothing. The refusal's policy and reason go to a
   * log line and a dead-letter header, so they hold codes and statuses, never ids or client data.
   */
  default PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    return PolicyDecision.allowed();
  }

  /** Applies one event; a repeated event changes nothing. */
  void apply(TopicSpec topic, String key, SpecificRecord event);
}
