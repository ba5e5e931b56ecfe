package org.referralexchange.gateway.referral;

import java.time.Instant;
import java.util.UUID;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;

/** One status a referral reached, with who set it and why. */
record TimelineEntry(
    UUID eventId,
    ReferralStatus status,
    Instant occurredAt,
    Reason reason,
    Actor actor,
    String providerReference,
    Outcome outcome) {}
