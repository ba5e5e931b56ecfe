package org.referralexchange.adapter.clock;

import java.time.Instant;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.events.v1.ReferralSubmitted;

/**
 * When a provider should answer a referral, and when it goes back to the case manager unanswered.
 * The agency's {@code respondBy} if it gave one; otherwise the provider's response window, counted
 * in its business hours from the submission: whole days as business days, the rest as open hours
 * ({@link BusinessHours}). The gateway leaves {@code respondBy} empty then, because only the
 * adapter knows each provider's window and hours.
 *
 * @param respondBy the time the answer is due, as told to the provider and in overdue notices
 * @param due when the reminder is given: {@code respondBy}, or the provider's next opening after it
 * @param returnAt when the referral returns: the grace period of business time after {@code due}
 */
public record ResponseDeadline(Instant respondBy, Instant due, Instant returnAt) {

  /** The deadlines of a referral sent to this provider. */
  public static ResponseDeadline of(
      ReferralSubmitted referral, AdapterProperties.Provider provider) {
    BusinessHours hours = provider.businessHours();
    Instant respondBy =
        referral.getRespondBy() != null
            ? referral.getRespondBy()
            : hours.plus(referral.getOccurredAt(), provider.responseWindow());
    Instant due = hours.nextOpen(respondBy);
    return new ResponseDeadline(respondBy, due, hours.plus(due, provider.grace()));
  }
}
