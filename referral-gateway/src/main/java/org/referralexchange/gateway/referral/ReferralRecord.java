package org.referralexchange.gateway.referral;

import java.time.Instant;
import java.util.List;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * A referral as the gateway knows it: what was submitted (without client data) and its timeline.
 *
 * @param requestFingerprint keyed hash of the submitting request, for idempotent retries
 */
record ReferralRecord(
    String referralId,
    String referringAgencyId,
    String caseManagerId,
    String providerId,
    String serviceId,
    String consentId,
    Priority priority,
    Instant respondBy,
    Instant submittedAt,
    String requestFingerprint,
    List<TimelineEntry> timeline,
    boolean returnWithheld) {

  ReferralRecord {
    timeline = List.copyOf(timeline);
  }

  ReferralStatus status() {
    return timeline.get(timeline.size() - 1).status();
  }

  ReferralRecord with(TimelineEntry entry) {
    List<TimelineEntry> longer = new java.util.ArrayList<>(timeline);
    longer.add(entry);
    return new ReferralRecord(
        referralId,
        referringAgencyId,
        caseManagerId,
        providerId,
        serviceId,
        consentId,
        priority,
        respondBy,
        submittedAt,
        requestFingerprint,
        longer,
        returnWithheld);
  }

  boolean hasEvent(java.util.UUID eventId) {
    return timeline.stream().anyMatch(e -> e.eventId().equals(eventId));
  }
}
