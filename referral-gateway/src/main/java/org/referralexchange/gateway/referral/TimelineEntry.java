package org.referralexchange.gateway.referral;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * One status a referral reached, with who set it and why. A provider's status observed after steps
 * nobody reported (requested, then completed) is one entry naming the statuses it {@code skipped}:
 * the exchange does not know when those happened, so it invents no entries for them.
 */
record TimelineEntry(
    UUID eventId,
    ReferralStatus status,
    Instant occurredAt,
    Reason reason,
    Actor actor,
    String providerReference,
    Outcome outcome,
    List<ReferralStatus> skipped) {

  TimelineEntry {
    skipped = List.copyOf(skipped);
  }
}
